using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// Outermost handler: one call, with its token request, attempts and retry waits, gets <see cref="HubSpotOptions.RequestTimeout"/>
/// in all. Time-outs surface as an <see cref="HttpRequestException"/> that says which call and which setting, so that a
/// host that accepts a connection and never answers fails a run quickly and plainly.
/// </summary>
internal sealed class HubSpotDeadlineHandler(IOptions<HubSpotOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(o.RequestTimeout);
        try
        {
            return await base.SendAsync(request, deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw new HttpRequestException(
                $"HubSpot did not answer {request.Method} {Path(request)} within {o.RequestTimeout.TotalSeconds:0.#} s (HubSpot:RequestTimeout)",
                new TimeoutException(e.Message), System.Net.HttpStatusCode.RequestTimeout);
        }
        catch (TimeoutRejectedException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException(
                $"HubSpot did not answer {request.Method} {Path(request)}: every attempt timed out after {o.AttemptTimeout.TotalSeconds:0.#} s (HubSpot:AttemptTimeout)",
                e, System.Net.HttpStatusCode.RequestTimeout);
        }
    }

    // The path only: a query string can carry search and paging parameters.
    static string Path(HttpRequestMessage request) => request.RequestUri?.IsAbsoluteUri == true
        ? request.RequestUri.AbsolutePath
        : request.RequestUri?.OriginalString.Split('?')[0] ?? "/";
}
