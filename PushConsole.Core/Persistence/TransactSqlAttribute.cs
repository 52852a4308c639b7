namespace PushConsole.Persistence;

/// <summary>
/// Marks a static property or parameterless static method of a SQL Server class that returns every T-SQL statement the
/// class sends, in each shape it builds them. No SQL Server runs where the suite runs, so the suite parses these with
/// SQL Server's own parser (ScriptDom) instead; it finds them by this attribute, and fails when a SQL Server class
/// (its name starts with "SqlServer") has none, so a new statement cannot miss the check.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property)]
internal sealed class TransactSqlAttribute : Attribute;
