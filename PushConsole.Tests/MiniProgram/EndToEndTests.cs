using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PushConsole.Credentials;
using PushConsole.Persistence;
using PushConsole.Simulator;
using PushConsole.WeChat;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.MiniProgram;

public class EndToEndTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task FormIds_minted_by_WeChat_for_a_user_go_through_login_and_report_and_each_use_is_claimed_and_delivered_once(DatabaseProvider provider)
    {
        await using var mp = await SimulatedMiniProgram.StartAsync(provider);
        mp.WeChat.DefineTemplate(mp.AppId, new TemplateSpec
        {
            TemplateId = "LEGACY_ORDER", Kind = "legacy", Title = "购买成功通知", Content = "购买地点{{keyword1.DATA}}\n",
        });
        const string openId = "oEndToEnd1";
        var formIds = mp.WeChat.MintFormIds(mp.AppId, openId, 3);
        var prepayId = mp.WeChat.MintFormIds(mp.AppId, openId, 1, prepay: true).Single();
        var strangersFormId = mp.WeChat.MintFormIds(mp.AppId, "oSomeoneElse", 1).Single();

        // The mini program: wx.login, console login, then the collected ids (one of them not this user's).
        var token = await mp.LogInAsync(openId);
        using var user = mp.Host.CreateHttpClient(token);
        var report = await user.PostAsJsonAsync($"api/miniprogram/{mp.AppId}/formids", new
        {
            formIds = formIds.Select(f => (object)f)
                .Append(new { formId = prepayId, kind = "prepay" })
                .Append(new { formId = strangersFormId })
                .Append("the formId is a mock one"),
        });
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        var reply = await report.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, reply.GetProperty("accepted").GetInt32());
        Assert.Equal(1, reply.GetProperty("rejected").GetArrayLength());

        // A sender: claim, send through the WeChat client, settle with WeChat's answer, until the pool is empty.
        var pool = mp.Host.Services.GetRequiredService<CredentialPool>();
        var client = mp.Host.Services.GetRequiredService<IWeChatClientFactory>().For(mp.Account);
        var sent = new List<string>();
        var refused = new List<string>();
        while (await pool.ClaimAsync(mp.Account.Id, openId, CredentialDemand.TemplateMessage) is { } claim)
        {
            var outcome = await client.SendMiniProgramTemplateAsync(new MiniProgramTemplateMessage(openId, "LEGACY_ORDER", claim.Value!,
                new Dictionary<string, TemplateValue> { ["keyword1"] = new("上海") }));
            (outcome.Succeeded ? sent : refused).Add(claim.Value!);
            await pool.SettleAsync(claim, outcome);
        }

        // Six uses (3 formIds, a prepay_id used 3 times) delivered; the other user's formId was refused with 41028.
        Assert.Equal(6, sent.Count);
        Assert.Equal(3, sent.Count(v => v == prepayId));
        Assert.Equal(formIds.Order(), sent.Where(v => v != prepayId).Order());
        Assert.Equal([strangersFormId], refused);
        Assert.Equal(6, mp.WeChat.GetInbox(mp.AppId, openId).Count);
        var inventory = await mp.Host.Services.GetRequiredService<InventoryQuery>().GetAsync(mp.Account.Id);
        Assert.Equal(0, inventory!.ReachableUsers);
        Assert.Equal(1, inventory.Distribution.None);
    }
}
