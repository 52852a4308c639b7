using Microsoft.AspNetCore.Identity;

namespace PushConsole.Users;

/// <summary>Identity's refusals a person meets (password rules, taken or invalid emails) in the reader's language.</summary>
public sealed class ConsoleIdentityErrors : IdentityErrorDescriber
{
    public override IdentityError PasswordTooShort(int length) => Error(nameof(PasswordTooShort), length);
    public override IdentityError PasswordRequiresDigit() => Error(nameof(PasswordRequiresDigit));
    public override IdentityError PasswordRequiresLower() => Error(nameof(PasswordRequiresLower));
    public override IdentityError PasswordRequiresUpper() => Error(nameof(PasswordRequiresUpper));
    public override IdentityError PasswordRequiresNonAlphanumeric() => Error(nameof(PasswordRequiresNonAlphanumeric));
    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) => Error(nameof(PasswordRequiresUniqueChars), uniqueChars);
    public override IdentityError DuplicateUserName(string userName) => Error(nameof(DuplicateUserName), userName);
    public override IdentityError DuplicateEmail(string email) => Error(nameof(DuplicateEmail), email);
    public override IdentityError InvalidEmail(string? email) => Error(nameof(InvalidEmail), email);
    public override IdentityError InvalidUserName(string? userName) => Error(nameof(InvalidUserName), userName);

    private static IdentityError Error(string code, params object?[] arguments) =>
        new() { Code = code, Description = ServiceText.Get($"Identity.{code}", arguments) };
}
