using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AbmSync.Sandbox;

/// <summary>
/// The hold hook of one emulator (<c>/_sandbox/hold</c>), for kill tests: armed with n, the n-th write from then on is
/// executed in full and its answer withheld until released or until the client goes away, so that a test can kill a
/// client after the system applied its write but before the client saw the answer.
/// </summary>
public sealed class SandboxHold
{
    readonly Lock sync = new();
    int remaining;
    Ticket? current;

    /// <summary>The call chosen to be held, from when it arrives until it is answered or dropped.</summary>
    sealed class Ticket(string endpoint, int clientPort)
    {
        public string Endpoint { get; } = endpoint;

        /// <summary>The TCP port the call came from: which of several clients on this machine made it.</summary>
        public int ClientPort { get; } = clientPort;
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Held { get; set; }
    }

    /// <summary>Arms the hook; false when a call is already chosen or held (release it first).</summary>
    public bool Arm(int afterWrites)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(afterWrites, 1);
        lock (sync)
        {
            if (current is not null)
            {
                return false;
            }
            remaining = afterWrites;
            return true;
        }
    }

    /// <summary>Disarms the hook and lets a held call (or one being executed to be held) answer.</summary>
    public void Disarm()
    {
        lock (sync)
        {
            remaining = 0;
            current?.Released.TrySetResult();
        }
    }

    /// <summary>Lets the held call answer; false when none is held.</summary>
    public bool Release()
    {
        lock (sync)
        {
            if (current is not { Held: true } ticket)
            {
                return false;
            }
            ticket.Released.TrySetResult();
            return true;
        }
    }

    public JsonObject Snapshot()
    {
        lock (sync)
        {
            var held = current is { Held: true };
            return new JsonObject
            {
                ["armed"] = remaining > 0,
                ["held"] = held,
                ["heldCall"] = held ? current!.Endpoint : null,
                ["heldClientPort"] = held ? current!.ClientPort : null,
                ["remaining"] = remaining,
            };
        }
    }

    /// <summary>
    /// Runs one call the stats count as a write. The chosen one runs with its answer buffered, so that nothing reaches
    /// the client before the release; then it waits, and its answer is sent, or dropped when the client has gone.
    /// </summary>
    public async Task InvokeWrite(HttpContext context, string endpoint, RequestDelegate next)
    {
        Ticket? ticket = null;
        lock (sync)
        {
            if (remaining > 0 && --remaining == 0)
            {
                current = ticket = new Ticket(endpoint, context.Connection.RemotePort);
            }
        }
        if (ticket is null)
        {
            await next(context);
            return;
        }
        try
        {
            await HoldAsync(context, ticket, next);
        }
        finally
        {
            lock (sync)
            {
                current = null;
            }
        }
    }

    async Task HoldAsync(HttpContext context, Ticket ticket, RequestDelegate next)
    {
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        var buffered = new StreamResponseBodyFeature(buffer);
        context.Features.Set<IHttpResponseBodyFeature>(buffered);
        try
        {
            await next(context);
            await buffered.CompleteAsync();
        }
        finally
        {
            context.Features.Set(original);
        }
        lock (sync)
        {
            ticket.Held = true;
        }
        try
        {
            await ticket.Released.Task.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client went away (a killed worker): nobody is left to answer, and the write stays applied.
            context.Abort();
            return;
        }
        buffer.Position = 0;
        try
        {
            await buffer.CopyToAsync(original.Stream, context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Gone between the release and the answer: the same as going away while held.
        }
    }
}
