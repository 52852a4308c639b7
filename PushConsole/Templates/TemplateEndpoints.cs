using PushConsole.Api;
using PushConsole.Templates;

namespace PushConsole.Templates;

public static class TemplateEndpoints
{
    public sealed record FieldView(string Key, string Label, string Type, string Rule, string ValueExpression, string? Color, IReadOnlyList<string>? EnumValues);

    /// <summary>A template as the API shows it; campaigns and channels pick templates by <see cref="Id"/>.</summary>
    public sealed record TemplateView(int Id, int AccountId, string? AccountName, TemplateKind Kind, string WeChatTemplateId, string Title,
        string Content, IReadOnlyList<FieldView> Fields, string? Example, bool LongTerm, string? Page, string? Url, string? MiniProgramAppId,
        string? MiniProgramPagePath, string? EmphasisKeyword, string? MiniProgramState, string? Lang, bool Enabled,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static TemplateView Of(MessageTemplate t) => new(t.Id, t.AccountId, t.Account?.Name, t.Kind, t.WeChatTemplateId, t.Title,
            t.Content, t.Fields.Select(f => new FieldView(f.Key, f.Label, FieldTypes.Of(f.Key).ToString(), FieldTypes.RuleOf(FieldTypes.Of(f.Key)),
                f.ValueExpression, f.Color, f.EnumValues)).ToList(),
            t.Example, t.LongTerm, t.Page, t.Url, t.MiniProgramAppId, t.MiniProgramPagePath, t.EmphasisKeyword, t.MiniProgramState, t.Lang,
            t.Enabled, t.CreatedAt, t.UpdatedAt);
    }

    public sealed record IssueView(string? Key, string Severity, int? ErrCode, string Message, string? Hint)
    {
        public static IssueView Of(FieldIssue i) => new(i.Key, i.Severity.ToString(), i.ErrCode, i.Message, i.Hint);
    }

    /// <summary>Sample values for the preview; missing ones take the console's sample values.</summary>
    public sealed record PreviewRequest(string? OpenId, string? CampaignName, string? ChannelName, DateTimeOffset? ChannelStartsAt);

    public sealed record PreviewLineView(string Key, string Label, string Type, string Value, string? Shown, string? Color);

    /// <summary>The rendered message: WeChat's <c>data</c> and jump targets, the card as shown, and local validation.</summary>
    public sealed record PreviewView(string Title, IReadOnlyDictionary<string, WeChat.TemplateValue> Data, string? Page, string? Url,
        WeChat.MiniProgramLink? MiniProgram, string? EmphasisKeyword, IReadOnlyList<PreviewLineView> Lines, IReadOnlyList<IssueView> Issues, bool HasErrors);

    public sealed record ImportView(int Created, int Updated, int Unchanged, IReadOnlyList<string> NotAtWeChat);

    public sealed record TestSendView(bool Attempted, bool Succeeded, int? ErrCode, string? ErrMsg, long? MsgId,
        IReadOnlyList<IssueView> Issues, IReadOnlyDictionary<string, WeChat.TemplateValue> Data);

    public static RouteGroupBuilder MapTemplateEndpoints(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/templates").WithTags("Templates");
        // Editors read templates (campaigns and channels pick them) and may preview them; only admins change them.
        templates.MapGet("/", async (int? accountId, TemplateKind? kind, bool? enabled, TemplateService service) =>
            (await service.ListAsync(accountId, kind, enabled ?? false)).Select(TemplateView.Of));
        templates.MapGet("/{id:int}", async (int id, TemplateService service) =>
            await service.FindAsync(id) is { } t ? Results.Ok(TemplateView.Of(t)) : NotFound());
        templates.MapPost("/{id:int}/preview", async (int id, PreviewRequest? request, TemplateService service, TemplateRenderer renderer, TimeProvider time) =>
        {
            if (await service.FindAsync(id) is not { Account: { } account } template)
            {
                return NotFound();
            }
            var sample = RenderContext.Sample(time.GetUtcNow());
            var context = new RenderContext(request?.OpenId ?? sample.OpenId, request?.CampaignName ?? sample.CampaignName,
                request?.ChannelName ?? sample.ChannelName, request?.ChannelStartsAt ?? sample.ChannelStartsAt);
            var preview = TemplatePreview.Of(template, renderer.Compile(template, account).Render(context));
            var message = preview.Message;
            return Results.Ok(new PreviewView(preview.Title, message.Data, message.Page, message.Url, message.MiniProgram, message.EmphasisKeyword,
                preview.Lines.Select(l => new PreviewLineView(l.Key, l.Label, l.Type.ToString(), l.Value, l.Shown, l.Color)).ToList(),
                message.Issues.Select(IssueView.Of).ToList(), message.HasErrors));
        });

        var admin = templates.MapGroup("").AdminOnly();
        admin.MapPost("/", async (TemplateInput input, TemplateService service) =>
        {
            var result = await service.CreateAsync(input);
            return result.Succeeded
                ? Results.Created($"/api/v1/templates/{result.Template!.Id}", TemplateView.Of(result.Template))
                : Invalid(result.Errors);
        });
        admin.MapPut("/{id:int}", async (int id, TemplateInput input, TemplateService service) =>
        {
            var result = await service.UpdateAsync(id, input);
            return result.Succeeded ? Results.Ok(TemplateView.Of(result.Template!))
                : result.Errors is [var only] && only == ServiceText.Get("Template.Missing") ? NotFound() : Invalid(result.Errors);
        });
        admin.MapDelete("/{id:int}", async (int id, TemplateService service) =>
            await service.DeleteAsync(id) ? Results.NoContent() : NotFound());
        admin.MapPost("/{id:int}/enable", async (int id, TemplateService service) =>
            await service.SetEnabledAsync(id, true) ? Results.NoContent() : NotFound());
        admin.MapPost("/{id:int}/disable", async (int id, TemplateService service) =>
            await service.SetEnabledAsync(id, false) ? Results.NoContent() : NotFound());
        admin.MapPost("/import", async (int accountId, TemplateImporter importer, CancellationToken cancellationToken) =>
        {
            var result = await importer.ImportAsync(accountId, cancellationToken);
            if (result.Error is { } error)
            {
                // The meaning in the caller's language first; WeChat's own errmsg goes back verbatim, said to be WeChat's:
                // the admin needs errcode/errmsg to fix the account.
                return ApiProblem.Of(StatusCodes.Status502BadGateway, ProblemTitle.TemplatesNotListed,
                    ServiceText.Get("ProblemDetail.WeChatRefused", error.ErrCode, Outcomes.ErrorCodeMeanings.Of(error.ErrCode), error.ErrMsg),
                    new Dictionary<string, object?>
                    {
                        ["errcode"] = error.ErrCode, ["errmsg"] = error.ErrMsg, ["meaning"] = Outcomes.ErrorCodeMeanings.Of(error.ErrCode),
                    });
            }
            return Results.Ok(new ImportView(result.Created, result.Updated, result.Unchanged, result.NotAtWeChat));
        });
        admin.MapPost("/{id:int}/test-send", async (int id, TestSendRequest request, TemplateService service, TemplateTestSender sender,
            CancellationToken cancellationToken) =>
        {
            if (await service.FindAsync(id, cancellationToken) is null)
            {
                return NotFound();
            }
            var r = await sender.SendAsync(id, request, cancellationToken);
            return Results.Ok(new TestSendView(r.Attempted, r.Succeeded, r.ErrCode, r.ErrMsg, r.MsgId, r.Issues.Select(IssueView.Of).ToList(), r.Data));
        });
        return api;
    }

    private static IResult NotFound() => ApiProblem.Of(404, ProblemTitle.NoSuchTemplate);

    private static IResult Invalid(IReadOnlyList<string> errors) =>
        ApiProblem.Of(400, ProblemTitle.TemplateInvalid, string.Join(" ", errors),
            new Dictionary<string, object?> { ["errors"] = errors });
}
