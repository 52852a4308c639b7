using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Templates;
using PushConsole.WeChat;

namespace PushConsole.Channels;

/// <summary>
/// Reads and changes channels and keeps their reminder triggers in step: saving with the reminder on schedules it,
/// moving the start or the minutes reschedules, turning it off or deleting unschedules, and moving the start after a
/// finished reminder opens a new occurrence.
/// </summary>
public sealed class ChannelService(
    IDbContextFactory<PushConsoleDbContext> contexts,
    ReminderSchedule schedule,
    ReminderTransitions transitions,
    RunControl runs,
    ReminderFiring firing,
    IWeChatClientFactory weChat,
    TemplateRenderer renderer,
    Audit.AuditLog audit,
    TimeProvider time,
    ILogger<ChannelService> logger)
{
    public sealed record Result(Channel? Channel, IReadOnlyList<string> Errors, bool Conflict = false, bool NotFound = false)
    {
        public bool Succeeded => Errors.Count == 0;
    }

    public async Task<IReadOnlyList<Channel>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channels = await db.Channels.AsNoTracking().Include(c => c.Account)
            .OrderBy(c => c.StartsAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        foreach (var channel in channels)
        {
            ShowReason(channel);
        }
        return channels;
    }

    public async Task<Channel?> FindAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return ShowReason(await db.Channels.AsNoTracking().Include(c => c.Account).SingleOrDefaultAsync(c => c.Id == id, cancellationToken));
    }

    /// <summary>The reminder's reason as the reader reads it (it is stored as text in no language; see <see cref="ServiceText.Stored"/>).</summary>
    private static Channel? ShowReason(Channel? channel)
    {
        if (channel is not null)
        {
            channel.ReminderReason = ServiceText.Show(channel.ReminderReason);
        }
        return channel;
    }

    /// <summary>The channel whose public page has this id (the anonymous /live/{publicId} page).</summary>
    public async Task<Channel?> FindByPublicIdAsync(string publicId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return ShowReason(await db.Channels.AsNoTracking().Include(c => c.Account).SingleOrDefaultAsync(c => c.PublicId == publicId, cancellationToken));
    }

    /// <summary>The templates a channel of this account may remind with, or why the reminder is unavailable.</summary>
    public async Task<ReminderChoices> ReminderChoicesAsync(int accountId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var choices = await ReminderGate.ChoicesAsync(db, accountId, cancellationToken);
        return choices with { Unavailable = ServiceText.Show(choices.Unavailable) };
    }

    public async Task<Result> CreateAsync(ChannelInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var channel = new Channel { CreatedAt = now };
        var errors = await ApplyAsync(db, channel, input, now, cancellationToken);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        db.Channels.Add(channel);
        await db.SaveChangesAsync(cancellationToken);
        await SyncTriggerAsync(channel, cancellationToken);
        await RecordAsync(channel, Audit.AuditAction.Created);
        return new(channel, []);
    }

    public async Task<Result> UpdateAsync(int id, ChannelInput input, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (channel is null)
        {
            return new(null, [ServiceText.Get("Channel.Missing")], NotFound: true);
        }
        if (input.Version is { } version && version != channel.Version)
        {
            return new(null, [ServiceText.Get("Channel.Changed")], Conflict: true);
        }
        var wasNotifying = channel.ReminderStatus == ReminderStatus.Notifying;
        var errors = await ApplyAsync(db, channel, input, time.GetUtcNow(), cancellationToken);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(null, [ServiceText.Get("Channel.Changed")], Conflict: true);
        }
        if (wasNotifying && !channel.ReminderEnabled)
        {
            await CancelRunAsync(channel.CurrentRunId, ServiceText.Stored("Reminder.TurnedOff"), cancellationToken);
        }
        await SyncTriggerAsync(channel, cancellationToken);
        await RecordAsync(channel, Audit.AuditAction.Updated);
        return new(channel, []);
    }

    private Task RecordAsync(Channel channel, Audit.AuditAction action) =>
        audit.RecordAsync(Audit.AuditSubject.Channel, action, channel.Id.ToString(), channel.Name, channel.AccountId);

    public async Task<bool> DeleteAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        var runId = channel?.CurrentRunId;
        if (channel is null || await db.Channels.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return false;
        }
        await RecordAsync(channel, Audit.AuditAction.Deleted);
        await schedule.UnscheduleAsync(id, cancellationToken);
        // A running broadcast notices the channel is gone; its run ends canceled and keeps its ledger rows.
        await CancelRunAsync(runId, ServiceText.Stored("Reminder.ChannelDeletedDuring"), cancellationToken);
        return true;
    }

    /// <summary>Cancels the reminder of the current occurrence: the pending trigger, or the broadcast under way.</summary>
    public async Task<Result> CancelReminderAsync(int id, string? reason, string? by, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (channel is null)
        {
            return new(null, [ServiceText.Get("Channel.Missing")], NotFound: true);
        }
        // The person's own words stay as written; the frame around them is shown in the reader's language.
        var text = (string.IsNullOrWhiteSpace(by), string.IsNullOrWhiteSpace(reason)) switch
        {
            (true, true) => ServiceText.Stored("Reminder.Canceled"),
            (true, false) => ServiceText.Stored("Reminder.CanceledBecause", reason!.Trim()),
            (false, true) => ServiceText.Stored("Reminder.CanceledBy", by),
            (false, false) => ServiceText.Stored("Reminder.CanceledByBecause", by, reason!.Trim()),
        };
        var canceled = channel.ReminderStatus is ReminderStatus.NotNotified or ReminderStatus.Notifying
            && await transitions.MoveAsync(id, channel.Occurrence, channel.ReminderStatus, ReminderStatus.Canceled, text, cancellationToken);
        if (!canceled)
        {
            return new(null, [ServiceText.Get("Channel.NothingToCancel", ReminderLabels.Of(channel.ReminderStatus).ToLowerInvariant())], Conflict: true);
        }
        await schedule.UnscheduleAsync(id, cancellationToken);
        // The reminder may have fired between reading and canceling: the run (if any) stops either way.
        var runId = await db.Channels.Where(c => c.Id == id).Select(c => c.CurrentRunId).FirstOrDefaultAsync(cancellationToken);
        await CancelRunAsync(runId, text, cancellationToken);
        logger.LogInformation("Reminder of channel {ChannelId} occurrence {Occurrence} canceled", id, channel.Occurrence);
        return new(await FindAsync(id, cancellationToken), []);
    }

    /// <summary>
    /// Starts the reminder broadcast now instead of at its reminder time: the same fire the trigger makes (so a trigger
    /// firing later finds it notifying and does nothing), then the trigger goes. Only before the live has begun.
    /// </summary>
    public async Task<Result> SendNowAsync(int id, string? by, CancellationToken cancellationToken = default)
    {
        var channel = await FindAsync(id, cancellationToken);
        if (channel is null)
        {
            return new(null, [ServiceText.Get("Channel.Missing")], NotFound: true);
        }
        if (!channel.ReminderEnabled)
        {
            return new(null, [ServiceText.Get("Channel.ReminderOff")], Conflict: true);
        }
        if (channel.ReminderStatus != ReminderStatus.NotNotified)
        {
            return new(null, [ServiceText.Get("Channel.NothingToSendNow", ReminderLabels.Of(channel.ReminderStatus).ToLowerInvariant())], Conflict: true);
        }
        if (time.GetUtcNow() >= channel.StartsAt)
        {
            return new(null, [ServiceText.Get("Channel.LiveBegun", ChannelTime.Describe(channel.StartsAt, channel.TimeZone))], Conflict: true);
        }
        var fired = await firing.FireAsync(id, channel.Occurrence, cancellationToken);
        var after = await FindAsync(id, cancellationToken);
        switch (fired)
        {
            case FireResult.Started:
                await schedule.UnscheduleAsync(id, cancellationToken);
                logger.LogInformation("Reminder of channel {ChannelId} occurrence {Occurrence} sent now by {User}", id, channel.Occurrence, by);
                await audit.RecordAsync(Audit.AuditSubject.Channel, Audit.AuditAction.Updated, id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ServiceText.Get("Channel.SentNowAudit", channel.Name), channel.AccountId);
                return new(after, []);
            case FireResult.Failed:
                return new(after, [after?.ReminderReason ?? ServiceText.Get("Channel.Changed")], Conflict: true);
            default:
                return new(after, [ServiceText.Get("Channel.Changed")], Conflict: true);
        }
    }

    /// <summary>Pauses the broadcast under way (its run, through the one run control campaigns use).</summary>
    public Task<Result> PauseBroadcastAsync(int id, string? by, CancellationToken cancellationToken = default) =>
        BroadcastCommandAsync(id, RunCommand.Pause, by, cancellationToken);

    /// <summary>Resumes a paused (or held) broadcast: it goes on with the followers not yet sent to.</summary>
    public Task<Result> ResumeBroadcastAsync(int id, string? by, CancellationToken cancellationToken = default) =>
        BroadcastCommandAsync(id, RunCommand.Resume, by, cancellationToken);

    private async Task<Result> BroadcastCommandAsync(int id, RunCommand command, string? by, CancellationToken cancellationToken)
    {
        var channel = await FindAsync(id, cancellationToken);
        if (channel is null)
        {
            return new(null, [ServiceText.Get("Channel.Missing")], NotFound: true);
        }
        if (channel.ReminderStatus != ReminderStatus.Notifying || channel.CurrentRunId is not long runId)
        {
            return new(channel, [ServiceText.Get("Channel.NoBroadcastUnderWay")], Conflict: true);
        }
        var result = await runs.ExecuteAsync(runId, command, by, cancellationToken);
        return result.Succeeded
            ? new(await FindAsync(id, cancellationToken), [])
            : new(channel, [result.Error ?? ServiceText.Get("Channel.Changed")], Conflict: true);
    }

    /// <summary>
    /// How many followers the account has now (user/get's total), which is how many a reminder sent now would reach;
    /// null when WeChat cannot be asked (the confirmation then says so instead of a number).
    /// </summary>
    public async Task<long?> FollowerCountAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var account = await db.Channels.AsNoTracking().Where(c => c.Id == id).Select(c => c.Account).SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return null;
        }
        try
        {
            var page = await weChat.For(account).GetFollowersAsync(null, cancellationToken);
            return page.Succeeded ? page.Value!.Total : null;
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning(e, "Counting the followers of account {AccountId} failed", account.Id);
            return null;
        }
    }

    private async Task CancelRunAsync(long? runId, string reason, CancellationToken cancellationToken)
    {
        if (runId is long id)
        {
            await runs.CancelBecauseAsync(id, reason, cancellationToken);
        }
    }

    /// <summary>The trigger follows the channel: present exactly while the reminder is on and not yet sent.</summary>
    private async Task SyncTriggerAsync(Channel channel, CancellationToken cancellationToken)
    {
        if (channel.ReminderEnabled && channel.ReminderStatus == ReminderStatus.NotNotified)
        {
            await schedule.ScheduleAsync(channel.Id, channel.Occurrence, channel.RemindAt, cancellationToken);
        }
        else
        {
            await schedule.UnscheduleAsync(channel.Id, cancellationToken);
        }
    }

    /// <summary>Validates the input and applies it, including what it means for the reminder's occurrence and status.</summary>
    private async Task<List<string>> ApplyAsync(PushConsoleDbContext db, Channel channel, ChannelInput input, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var errors = InputValidation.Errors(input);

        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == input.AccountId, cancellationToken);
        if (account is null)
        {
            errors.Add(ServiceText.Get("Account.Missing"));
            return errors;
        }
        var timeZone = string.IsNullOrWhiteSpace(input.TimeZone) ? account.TimeZone : input.TimeZone.Trim();
        if (ChannelTime.Zone(timeZone) is not { } zone)
        {
            errors.Add(ServiceText.Get("Common.UnknownZone", timeZone));
            return errors;
        }
        if (input.StartsAt == default)
        {
            errors.Add(ServiceText.Get("Channel.StartRequired"));
            return errors;
        }
        if (!string.IsNullOrWhiteSpace(input.MiniProgramAppId) && string.IsNullOrWhiteSpace(input.MiniProgramPagePath))
        {
            errors.Add(ServiceText.Get("Channel.PagePath"));
        }
        var startsAt = ChannelTime.Instant(input.StartsAt, zone);
        var isNew = channel.Id == 0;
        var startMoved = isNew || startsAt != channel.StartsAt;
        var minutesChanged = isNew || input.ReminderMinutesAhead != channel.ReminderMinutesAhead;
        var turnedOn = input.ReminderEnabled && (isNew || !channel.ReminderEnabled);

        if (input.ReminderEnabled && await ReminderGate.CheckAsync(db, account.Id, input.TemplateId, cancellationToken) is { } unavailable)
        {
            errors.Add(ServiceText.Show(unavailable)!);
        }
        else if (input.TemplateId is { } templateId && !input.ReminderEnabled)
        {
            // Off, a template may still be chosen for later; it must at least be this account's.
            if (!await db.Templates.AnyAsync(t => t.Id == templateId && t.AccountId == account.Id, cancellationToken))
            {
                errors.Add(ServiceText.Get("Channel.TemplateOfAccount"));
            }
        }
        if (errors.Count == 0 && input.TemplateId is { } chosen
            && await db.Templates.AsNoTracking().SingleOrDefaultAsync(t => t.Id == chosen, cancellationToken) is { } template)
        {
            // Rendered once now with this channel's values, so a broken value is refused here and not at reminder time.
            var preview = new Channel
            {
                Name = input.Name.Trim(), StartsAt = startsAt, TimeZone = timeZone, Url = input.Url, MiniProgramAppId = input.MiniProgramAppId,
                MiniProgramPagePath = input.MiniProgramPagePath,
                Fields = (input.Fields ?? []).Select(f => new ChannelField { Key = f.Key, Value = f.Value ?? "" }).ToList(),
            };
            if (ReminderMessage.Prepare(renderer, preview, template).Problem is { } problem)
            {
                errors.Add(ServiceText.Show(problem)!);
            }
        }
        if (!isNew && channel.ReminderStatus == ReminderStatus.Notifying && startMoved && input.ReminderEnabled)
        {
            errors.Add(ServiceText.Get("Channel.Sending"));
        }

        // Moving the start after a finished reminder is a new live: a new occurrence, reminded of afresh.
        var status = channel.ReminderStatus;
        var occurrence = isNew ? 1 : channel.Occurrence;
        var runId = channel.CurrentRunId;
        var reason = channel.ReminderReason;
        if (!isNew && startMoved && Channel.IsFinished(status))
        {
            occurrence++;
            status = ReminderStatus.NotNotified;
            runId = null;
            reason = null;
        }
        else if (turnedOn && status == ReminderStatus.Canceled && runId is null)
        {
            // Canceled before it fired; turning it on again brings the same occurrence back.
            status = ReminderStatus.NotNotified;
            reason = null;
        }
        else if (!isNew && !input.ReminderEnabled && status == ReminderStatus.Notifying)
        {
            status = ReminderStatus.Canceled;
            reason = ServiceText.Stored("Reminder.TurnedOff");
        }
        if (input.ReminderEnabled && status == ReminderStatus.NotNotified && (startMoved || minutesChanged || turnedOn) && startsAt <= now)
        {
            errors.Add(ServiceText.Get("Channel.StartPast", ChannelTime.Describe(startsAt, timeZone)));
        }
        if (errors.Count > 0)
        {
            return errors;
        }

        channel.Name = input.Name.Trim();
        channel.AccountId = account.Id;
        channel.StartsAt = startsAt;
        channel.TimeZone = timeZone;
        channel.TemplateId = input.TemplateId;
        channel.Fields = (input.Fields ?? []).Where(f => !string.IsNullOrWhiteSpace(f.Key))
            .Select(f => new ChannelField { Key = f.Key.Trim(), Value = f.Value ?? "" }).ToList();
        channel.Url = string.IsNullOrWhiteSpace(input.Url) ? null : input.Url.Trim();
        channel.MiniProgramAppId = string.IsNullOrWhiteSpace(input.MiniProgramAppId) ? null : input.MiniProgramAppId.Trim();
        channel.MiniProgramPagePath = string.IsNullOrWhiteSpace(input.MiniProgramPagePath) ? null : input.MiniProgramPagePath.Trim();
        channel.ReminderEnabled = input.ReminderEnabled;
        channel.ReminderMinutesAhead = input.ReminderMinutesAhead;
        channel.ReminderStatus = status;
        channel.ReminderReason = reason;
        channel.Occurrence = occurrence;
        channel.CurrentRunId = runId;
        channel.UpdatedAt = now;
        channel.Version++;
        return errors;
    }
}
