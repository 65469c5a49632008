using System.CommandLine;
using System.Text;
using AbmSync.Worker.Dashboard;

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync users hash-password</c>: the value of <c>Worker:Users:NAME:PasswordHash</c> for a password.</summary>
public static class UsersCommand
{
    public static Command Create()
    {
        var user = new Option<string>("--user") { Description = "The user name (goes into the printed settings line)", DefaultValueFactory = _ => "NAME" };
        var hash = new Command("hash-password",
            "Print a PasswordHasher hash of a password read from standard input (typed without echo on a terminal), never from the command line, which shell history and process lists keep.");
        hash.Options.Add(user);
        hash.SetAction(parse =>
        {
            var password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadHidden(parse.InvocationConfiguration.Error);
            if (string.IsNullOrEmpty(password))
            {
                parse.InvocationConfiguration.Error.WriteLine("No password on standard input: pipe one in, or type it at the prompt.");
                return ExitCodes.Configuration;
            }
            var name = parse.GetValue(user)!;
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(DashboardUsers.Hash(name, password));
            parse.InvocationConfiguration.Error.WriteLine($"Set it as Worker:Users:{name}:PasswordHash (environment: ABMSYNC__Worker__Users__{name}__PasswordHash), with Worker:Users:{name}:Role operator or viewer.");
            return ExitCodes.Success;
        });
        var command = new Command("users", "Dashboard users: make the password hashes Worker:Users holds.");
        command.Subcommands.Add(hash);
        return command;
    }

    static string ReadHidden(TextWriter prompt)
    {
        prompt.Write("Password: ");
        var text = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                text.Length = Math.Max(0, text.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
        prompt.WriteLine();
        return text.ToString();
    }
}
