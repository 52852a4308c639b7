using PushConsole.Accounts;
using PushConsole.Simulator;
using PushConsole.Tests.Infrastructure;
using PushConsole.WeChat;

namespace PushConsole.Tests.WeChat;

/// <summary>A simulator on loopback and one console node on a fresh SQLite file, per test.</summary>
public abstract class WeChatTestBase : IAsyncLifetime
{
    protected SimulatorServer Server { get; private set; } = null!;
    protected ConsoleNode Node { get; private set; } = null!;
    protected WeChatSimulator Sim => Server.Simulator;

    /// <summary>Overrides of the WeChat section for this class's node.</summary>
    protected virtual IDictionary<string, string?>? NodeSettings => null;

    protected virtual void ConfigureSimulator(SimulatorOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        Server = await SimulatorServer.StartAsync(ConfigureSimulator);
        Node = await ConsoleNode.StartAsync(TestDatabases.NewSqlite(), NodeSettings);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Server.DisposeAsync();
    }

    protected WeChatClient ClientFor(SimulatedApp app, TokenMode mode = TokenMode.Stable) => Node.ClientFor(Node.Account(Server, app, mode));

    /// <summary>A one-time subscribe template "thing1 + time2" in a mini program.</summary>
    protected string SubscribeTemplate(SimulatedApp app) =>
        Sim.DefineTemplate(app.AppId, new TemplateSpec { Title = "预约提醒", Content = "服务:{{thing1.DATA}}\n时间:{{time2.DATA}}\n", Kind = "subscribe" }).TemplateId;

    protected static SubscribeMessage Subscribe(string openId, string templateId, string thing = "体检预约") =>
        new(openId, templateId, new Dictionary<string, TemplateValue>
        {
            ["thing1"] = new(thing),
            ["time2"] = new("2026年12月1日 15:01"),
        });

    /// <summary>A mini program with one subscribe template and a user holding <paramref name="grants"/> grants of it.</summary>
    protected (SimulatedApp App, string TemplateId, string OpenId) MiniProgramWithGrantedUser(int grants = 1, int? tokenLifetimeSeconds = null)
    {
        var app = Server.NewApp("miniprogram", tokenLifetimeSeconds);
        var template = SubscribeTemplate(app);
        var openId = "o" + Guid.NewGuid().ToString("N")[..20];
        Sim.Grant(app.AppId, openId, template, grants);
        return (app, template, openId);
    }
}
