using PushConsole.Templates;

namespace PushConsole.Tests.Templates;

public class TemplateValueRulesTests
{
    public static TheoryData<string, string> Valid => new()
    {
        { "thing1", "会议室A" },
        { "thing1", new string('事', 20) },
        { "thing1", "Meeting room on floor 3" [..20] },
        { "number2", "12345" },
        { "number2", "-3.14" },
        { "number2", new string('9', 32) },
        { "letter3", "ABCdef" },
        { "symbol4", "+-*/!" },
        { "character_string5", "ORD-2024-0001" },
        { "character_string5", new string('x', 32) },
        { "time6", "15:01" },
        { "time6", "2019年10月1日 15:01" },
        { "time6", "2019-10-01 15:01~2019-10-01 16:00" },
        { "date7", "2019年10月1日" },
        { "date7", "2019-10-01 15:01" },
        { "date7", "2019-10-01~2019-10-07" },
        { "amount8", "¥100.50" },
        { "amount8", "$9999999999" },
        { "amount8", "100元" },
        { "phone_number9", "+86-0766-66888866" },
        { "car_number10", "粤A8Z8Z8" },
        { "car_number10", "京A1234警" },
        { "name11", "张三" },
        { "name11", "John Smith" },
        { "name11", new string('李', 10) },
        { "phrase12", "已支付" },
        { "keyword13", "free text of any length, even past twenty characters" },
    };

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "thing1", new string('事', 21), "value invalid" },
        { "thing1", "", "value is empty" },
        { "thing1", "   ", "value is empty" },
        { "number2", "12a", "value invalid" },
        { "number2", new string('9', 33), "value invalid" },
        { "letter3", "abc1", "value invalid" },
        { "letter3", new string('a', 33), "value invalid" },
        { "symbol4", "++++++", "value invalid" },
        { "symbol4", "a!", "value invalid" },
        { "character_string5", "订单123", "value invalid" },
        { "character_string5", new string('x', 33), "value invalid" },
        { "character_string5", "has space", "value invalid" },
        { "time6", "3 pm", "value invalid" },
        { "time6", "25:00", "value invalid" },
        { "date7", "tomorrow", "value invalid" },
        { "date7", "10/01/2019", "value invalid" },
        { "amount8", "100 dollars", "value invalid" },
        { "amount8", "¥12345678901", "value invalid" },
        { "phone_number9", "0766-6688886612345678", "value invalid" },
        { "phone_number9", "call 110", "value invalid" },
        { "car_number10", "粤A8Z8Z8Z8Z", "value invalid" },
        { "car_number10", "A粤8Z8", "value invalid" },
        { "name11", new string('李', 11), "value invalid" },
        { "name11", "R2D2", "value invalid" },
        { "name11", new string('a', 21), "value invalid" },
        { "phrase12", "已经支付完成", "value invalid" },
        { "phrase12", "paid", "value invalid" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Subscribe_values_that_follow_their_keys_rule_pass(string key, string value) =>
        Assert.Null(TemplateValueRules.Check(TemplateKind.Subscribe, key, value));

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Subscribe_values_that_break_their_keys_rule_get_wechats_47003_naming_the_field(string key, string value, string ending)
    {
        var issue = TemplateValueRules.Check(TemplateKind.Subscribe, key, value);

        Assert.NotNull(issue);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Equal(47003, issue.ErrCode);
        Assert.Equal($"argument invalid! data.{key}.{ending}", issue.Message);
        Assert.Equal(key, issue.Key);
    }

    [Fact]
    public void A_thing_over_20_characters_says_the_limit_and_the_length_in_its_hint()
    {
        var issue = TemplateValueRules.Check(TemplateKind.Subscribe, "thing3", new string('会', 23))!;

        Assert.Equal("argument invalid! data.thing3.value invalid", issue.Message);
        Assert.Contains("20", issue.Hint);
        Assert.Contains("23", issue.Hint);
    }

    [Fact]
    public void Enum_and_const_values_must_be_one_of_the_listed_values()
    {
        string[] allowed = ["已发货", "已签收"];

        Assert.Null(TemplateValueRules.Check(TemplateKind.Subscribe, "enum_string2", "已签收", allowed));
        var issue = TemplateValueRules.Check(TemplateKind.Subscribe, "enum_string2", "已退货", allowed)!;
        Assert.Equal("argument invalid! data.enum_string2.value invalid", issue.Message);
        Assert.Contains("已发货", issue.Hint);
        Assert.NotNull(TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "const3", "other", ["approved"]));
        Assert.Null(TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "const3", "approved", ["approved"]));
    }

    [Fact]
    public void An_enum_without_a_known_list_cannot_be_checked_and_passes_but_a_const_is_still_at_most_20_characters()
    {
        Assert.Null(TemplateValueRules.Check(TemplateKind.Subscribe, "enum_string2", "anything"));
        Assert.NotNull(TemplateValueRules.Check(TemplateKind.Subscribe, "const2", new string('c', 21)));
    }

    [Fact]
    public void Official_account_free_fields_over_20_characters_are_warned_about_as_truncated_not_refused()
    {
        var issue = TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "keyword1", new string('长', 27))!;

        Assert.Equal(IssueSeverity.Warning, issue.Severity);
        Assert.Null(issue.ErrCode);
        Assert.Contains("data.keyword1.value will be truncated to 20 characters", issue.Message);
        Assert.Contains("27", issue.Hint);
        Assert.Null(TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "keyword1", new string('长', 20)));
    }

    [Fact]
    public void Official_account_line_breaks_and_first_or_remark_are_warnings()
    {
        Assert.Equal(IssueSeverity.Warning, TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "keyword2", "a\nb")!.Severity);
        Assert.Contains("not shown", TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "first", "您好")!.Message);
        Assert.Null(TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "remark", ""));
    }

    [Fact]
    public void Official_account_category_template_keys_follow_the_typed_rules_with_47003()
    {
        var issue = TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "character_string21", "订单号")!;

        Assert.Equal(47003, issue.ErrCode);
        Assert.Equal("argument invalid! data.character_string21.value invalid", issue.Message);
        Assert.Equal(47003, TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "thing2", new string('x', 21))!.ErrCode);
        // Valid for its type (≤ 32) but longer than an official account shows: a warning, not a refusal.
        var cut = TemplateValueRules.Check(TemplateKind.OfficialAccountTemplate, "character_string21", new string('x', 25))!;
        Assert.Equal((IssueSeverity.Warning, (int?)null), (cut.Severity, cut.ErrCode));
        Assert.Contains("truncated", cut.Message);
    }

    [Fact]
    public void Legacy_mini_program_template_values_have_no_rules()
    {
        Assert.Null(TemplateValueRules.Check(TemplateKind.MiniProgramTemplate, "keyword1", new string('长', 80)));
        Assert.Null(TemplateValueRules.Check(TemplateKind.MiniProgramTemplate, "keyword2", ""));
    }

    [Fact]
    public void Length_counts_characters_outside_the_basic_plane_once()
    {
        Assert.Equal(3, TemplateValueRules.Length("a😀b"));
        Assert.Null(TemplateValueRules.Check(TemplateKind.Subscribe, "thing1", string.Concat(Enumerable.Repeat("😀", 20))));
    }
}
