using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using PushConsole.Messages;
using PushConsole.Persistence;
using PushConsole.Tests.Campaigns;

namespace PushConsole.Tests.Messages;

/// <summary>
/// The validator keeps an account and template a message named for Messages:LookupCacheTime, on a FakeTimeProvider:
/// a template disabled meanwhile is refused once that time has passed (at once when it is zero).
/// </summary>
public sealed class MessageRequestValidatorTests
{
    private static MessageRequest RequestOf(int accountId, int templateId) => new(JsonSerializer.SerializeToElement(accountId), "o-user-1",
        JsonSerializer.SerializeToElement(templateId), JsonSerializer.SerializeToElement(new { keyword1 = "Approved", keyword2 = "today" }));

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.0)]
    public async Task A_template_disabled_after_a_message_named_it_is_refused_once_the_lookup_cache_time_has_passed(double cacheSeconds)
    {
        await using var world = await ConsoleWorld.StartAsync();
        var account = await world.AccountAsync();
        var template = await world.TemplateAsync(account);
        var contexts = world.Host.Services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var keep = TimeSpan.FromSeconds(cacheSeconds);
        var validator = new MessageRequestValidator(contexts, Microsoft.Extensions.Options.Options.Create(new MessageOptions { LookupCacheTime = keep }), time);

        var (first, _) = await validator.ValidateAsync(RequestOf(account.Id, template.Id), CancellationToken.None);
        Assert.NotNull(first);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.Templates.Where(t => t.Id == template.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.Enabled, false));
        }
        var (kept, _) = await validator.ValidateAsync(RequestOf(account.Id, template.Id), CancellationToken.None);
        time.Advance(keep + TimeSpan.FromMilliseconds(1));
        var (afterwards, errors) = await validator.ValidateAsync(RequestOf(account.Id, template.Id), CancellationToken.None);

        Assert.Equal(keep > TimeSpan.Zero, kept is not null);
        Assert.Null(afterwards);
        Assert.Contains("template", errors.Keys);
    }
}
