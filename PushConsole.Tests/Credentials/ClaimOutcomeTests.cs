using PushConsole.Credentials;
using PushConsole.WeChat;

namespace PushConsole.Tests.Credentials;

public class ClaimOutcomeTests
{
    [Theory]
    [InlineData(WeChatErrorKind.CredentialInvalid, 41028, ClaimOutcome.CredentialInvalid)]
    [InlineData(WeChatErrorKind.CredentialUsed, 41029, ClaimOutcome.CredentialUsedUp)]
    [InlineData(WeChatErrorKind.NoGrant, 43101, ClaimOutcome.GrantMissing)]
    [InlineData(WeChatErrorKind.Transient, -1, ClaimOutcome.TransientFailure)]
    [InlineData(WeChatErrorKind.RateLimited, 45011, ClaimOutcome.TransientFailure)]
    [InlineData(WeChatErrorKind.TokenInvalid, 40001, ClaimOutcome.TransientFailure)]
    [InlineData(WeChatErrorKind.InvalidRecipient, 40003, ClaimOutcome.RejectedForOtherReason)]
    [InlineData(WeChatErrorKind.BadData, 47003, ClaimOutcome.RejectedForOtherReason)]
    [InlineData(WeChatErrorKind.Retired, 45103, ClaimOutcome.RejectedForOtherReason)]
    public void A_WeChat_failure_maps_to_what_it_means_for_the_credential(WeChatErrorKind kind, int errcode, ClaimOutcome expected)
    {
        var outcome = SendOutcome.Failure(new WeChatError(kind, errcode, "errmsg rid: test"));

        Assert.Equal(expected, ClaimOutcomes.Of(outcome));
    }

    [Fact]
    public void A_delivered_message_keeps_the_use_spent()
    {
        Assert.Equal(ClaimOutcome.Sent, ClaimOutcomes.Of(SendOutcome.Success()));
    }
}
