namespace PushConsole;

/// <summary>A configuration value that stops start-up. Its message is one line naming the key.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
