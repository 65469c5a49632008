using System.Diagnostics;

namespace AbmSync.Bench;

/// <summary>
/// Every HTTP request this process sends, seen through .NET's own <c>HttpHandlerDiagnosticListener</c> as it leaves,
/// and handed to <see cref="OnRequest"/>. The sandbox's stats count calls by route template
/// (<c>POST …/{objectType}/search</c>), which cannot tell a search for changes from a search for keys, nor a query's
/// object and filter: the bound's components need that, and the engine is not changed for a benchmark. The tap
/// changes no request: the handler reads the URL, and a body only when it is already bytes in memory.
/// </summary>
public sealed class HttpTap : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    const string ListenerName = "HttpHandlerDiagnosticListener";
    const string StartEvent = "System.Net.Http.HttpRequestOut.Start";

    readonly List<IDisposable> subscriptions = [];
    readonly Lock gate = new();

    public HttpTap() => subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

    /// <summary>Called on the sending flow for each request; null sends it nowhere (the bench's own calls between runs).</summary>
    public Action<HttpRequestMessage>? OnRequest { get; set; }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == ListenerName)
        {
            lock (gate)
            {
                // The activity itself and its start: the listener then skips building the other events' payloads.
                subscriptions.Add(listener.Subscribe(this, (name, _, _) => name is StartEvent or "System.Net.Http.HttpRequestOut"));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        // The payload is an internal type with a public Request property.
        if (value.Key == StartEvent && OnRequest is { } handler
            && value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is HttpRequestMessage request)
        {
            handler(request);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }

    void IObserver<DiagnosticListener>.OnError(Exception error) { }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var s in subscriptions)
            {
                s.Dispose();
            }
            subscriptions.Clear();
        }
    }
}
