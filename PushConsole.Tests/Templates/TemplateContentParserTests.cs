using PushConsole.Templates;

namespace PushConsole.Tests.Templates;

public class TemplateContentParserTests
{
    [Fact]
    public void Subscribe_content_gives_each_key_with_the_label_before_it_in_order()
    {
        var fields = TemplateContentParser.Parse("会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n");

        Assert.Equal([new ParsedField("date2", "会议时间"), new ParsedField("thing1", "会议地点")], fields);
    }

    [Fact]
    public void Official_account_content_with_first_remark_and_free_keys_is_parsed_with_empty_labels_where_there_are_none()
    {
        var fields = TemplateContentParser.Parse("{{first.DATA}}\n领奖金额：{{withdrawMoney.DATA}}\n领奖时间： {{ withdrawTime.DATA }}\n{{remark.DATA}}");

        Assert.Equal(["first", "withdrawMoney", "withdrawTime", "remark"], fields.Select(f => f.Key));
        Assert.Equal(["", "领奖金额", "领奖时间", ""], fields.Select(f => f.Label));
    }

    [Fact]
    public void Several_fields_on_one_line_take_the_text_between_them_as_label_and_a_repeated_key_counts_once()
    {
        var fields = TemplateContentParser.Parse("From {{keyword1.DATA}} to {{keyword2.DATA}}, again {{keyword1.DATA}}");

        Assert.Equal([new ParsedField("keyword1", "From"), new ParsedField("keyword2", "to")], fields);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("no fields here {{thing1}} {thing2.DATA}")]
    public void Content_without_placeholders_has_no_fields(string? content) => Assert.Empty(TemplateContentParser.Parse(content));

    [Theory]
    [InlineData("character_string21", FieldType.CharacterString)]
    [InlineData("thing1", FieldType.Thing)]
    [InlineData("phone_number3", FieldType.PhoneNumber)]
    [InlineData("enum_string2", FieldType.Enum)]
    [InlineData("const4", FieldType.Const)]
    [InlineData("keyword1", FieldType.Free)]
    [InlineData("first", FieldType.Free)]
    [InlineData("things1", FieldType.Free)]
    public void A_keys_type_is_its_prefix_without_the_number(string key, FieldType type) => Assert.Equal(type, FieldTypes.Of(key));
}
