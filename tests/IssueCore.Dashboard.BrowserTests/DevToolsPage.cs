using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Dashboard.BrowserTests;

/// <summary>
/// One browser tab driven over the Chrome DevTools Protocol: JSON commands with ids over a loopback WebSocket,
/// answered by id; events are kept for the checks the test makes (script errors, policy violations, page loads).
/// </summary>
internal sealed class DevToolsPage : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _awaitedEvents = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private int _nextId;

    private DevToolsPage(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Uncaught script exceptions, console errors and Content-Security-Policy violations seen so far.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public static async Task<DevToolsPage> ConnectAsync(Uri webSocketUrl, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(webSocketUrl, cancellationToken);
        var page = new DevToolsPage(socket);
        await page.SendAsync("Page.enable", null, cancellationToken);
        await page.SendAsync("Runtime.enable", null, cancellationToken);
        await page.SendAsync("Log.enable", null, cancellationToken);
        return page;
    }

    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }

        using var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        return await answer.Task;
    }

    /// <summary>Navigates and waits for the page's load event.</summary>
    public async Task NavigateAsync(Uri url, CancellationToken cancellationToken)
    {
        var loaded = ExpectEvent("Page.loadEventFired");
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, cancellationToken);
        using var registration = cancellationToken.Register(() => loaded.TrySetCanceled(cancellationToken));
        await loaded.Task;
    }

    /// <summary>Evaluates an expression in the page (awaiting a promise) and returns its JSON value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["awaitPromise"] = true,
            ["returnByValue"] = true,
        }, cancellationToken);
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            var text = exception.TryGetProperty("exception", out var e) && e.TryGetProperty("description", out var d) ? d.GetString() : exception.GetProperty("text").GetString();
            throw new InvalidOperationException($"The page threw: {text}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> (a JavaScript expression) is truthy: checked now and on every DOM
    /// change, inside the page, for at most <paramref name="bound"/>; returns the condition's value.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string condition, string what, TimeSpan bound, CancellationToken cancellationToken)
    {
        var script = $$"""
            new Promise((resolve, reject) => {
              let observer = null, timer = 0;
              const check = () => {
                let value;
                try { value = ({{condition}}); } catch (e) { value = null; }
                if (value) { if (observer) observer.disconnect(); clearTimeout(timer); resolve(value); return true; }
                return false;
              };
              if (check()) return;
              observer = new MutationObserver(check);
              observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
              timer = setTimeout(() => { observer.disconnect(); reject(new Error({{JsonSerializer.Serialize("Timed out waiting for: " + what)}})); }, {{(long)bound.TotalMilliseconds}});
            })
            """;
        try
        {
            return await EvaluateAsync(script, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            // Say what the page showed, so a failure in CI can be understood from the log alone.
            var shown = await EvaluateAsync("document.body.innerText.slice(0, 3000)", cancellationToken);
            throw new InvalidOperationException($"{ex.Message}\nThe page showed:\n{shown}\nBrowser errors:\n{string.Join('\n', Errors)}", ex);
        }
    }

    /// <summary>Scrolls the element into view and clicks its centre with the mouse.</summary>
    public async Task ClickAsync(string selector, CancellationToken cancellationToken)
    {
        var box = await EvaluateAsync($$"""
            (() => {
              const el = document.querySelector({{JsonSerializer.Serialize(selector)}});
              if (!el) throw new Error('No element matches ' + {{JsonSerializer.Serialize(selector)}});
              el.scrollIntoView({ block: 'center', inline: 'center' });
              const r = el.getBoundingClientRect();
              return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
            })()
            """, cancellationToken);
        var x = box.GetProperty("x").GetDouble();
        var y = box.GetProperty("y").GetDouble();
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
        {
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = type == "mouseMoved" ? "none" : "left", ["clickCount"] = type == "mouseMoved" ? 0 : 1,
            }, cancellationToken);
        }
    }

    /// <summary>Focuses the element and types the text as the keyboard would insert it.</summary>
    public async Task TypeAsync(string selector, string text, CancellationToken cancellationToken)
    {
        await FocusAsync(selector, cancellationToken);
        await SendAsync("Input.insertText", new JsonObject { ["text"] = text }, cancellationToken);
    }

    public Task FocusAsync(string selector, CancellationToken cancellationToken)
        => EvaluateAsync($$"""
            (() => {
              const el = document.querySelector({{JsonSerializer.Serialize(selector)}});
              if (!el) throw new Error('No element matches ' + {{JsonSerializer.Serialize(selector)}});
              el.focus();
              return document.activeElement === el;
            })()
            """, cancellationToken);

    /// <summary>Presses a key (for example Enter or Tab) on whatever has the focus.</summary>
    public async Task PressAsync(string key, int keyCode, CancellationToken cancellationToken)
    {
        var text = key == "Enter" ? "\r" : null;
        await SendAsync("Input.dispatchKeyEvent", new JsonObject
        {
            ["type"] = "keyDown", ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = keyCode, ["text"] = text,
        }, cancellationToken);
        await SendAsync("Input.dispatchKeyEvent", new JsonObject
        {
            ["type"] = "keyUp", ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = keyCode,
        }, cancellationToken);
    }

    public Task SetViewportAsync(int width, int height, CancellationToken cancellationToken)
        => SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false,
        }, cancellationToken);

    /// <summary>Saves a PNG of the whole page (up to 4,000 pixels high).</summary>
    public async Task ScreenshotAsync(string path, CancellationToken cancellationToken)
    {
        var metrics = await SendAsync("Page.getLayoutMetrics", null, cancellationToken);
        var size = metrics.GetProperty("cssContentSize");
        // Capturing beyond the viewport lays the page out without its scroll bar, so clip at the window's full width.
        var width = Math.Max((await EvaluateAsync("window.innerWidth", cancellationToken)).GetDouble(), 1);
        var height = Math.Clamp(size.GetProperty("height").GetDouble(), 1, 4000);
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png",
            ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = width, ["height"] = height, ["scale"] = 1 },
        }, cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closing.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The browser went away first.
        }

        try
        {
            await _receiving;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }

    private TaskCompletionSource<JsonElement> ExpectEvent(string method)
    {
        var awaited = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaitedEvents[method] = awaited;
        return awaited;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                message.SetLength(0);
                WebSocketReceiveResult received;
                do
                {
                    received = await _socket.ReceiveAsync(buffer, _stop.Token);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage);

                using var document = JsonDocument.Parse(message.ToArray());
                Dispatch(document.RootElement);
            }
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException("The DevTools connection closed."));
            }
        }
    }

    private void Dispatch(JsonElement root)
    {
        if (root.TryGetProperty("id", out var idElement))
        {
            if (_pending.TryRemove(idElement.GetInt32(), out var answer))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    answer.TrySetException(new InvalidOperationException($"DevTools error: {error.GetRawText()}"));
                }
                else
                {
                    answer.TrySetResult(root.GetProperty("result").Clone());
                }
            }

            return;
        }

        var method = root.GetProperty("method").GetString()!;
        var parameters = root.TryGetProperty("params", out var p) ? p : default;
        switch (method)
        {
            case "Runtime.exceptionThrown":
                Errors.Enqueue("exception: " + parameters.GetProperty("exceptionDetails").GetRawText());
                break;
            case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() == "error":
                Errors.Enqueue("console.error: " + parameters.GetProperty("args").GetRawText());
                break;
            case "Log.entryAdded":
                var entry = parameters.GetProperty("entry");
                var text = entry.GetProperty("text").GetString() ?? string.Empty;
                if (text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || entry.GetProperty("source").GetString() == "security")
                {
                    Errors.Enqueue("policy: " + text);
                }

                break;
        }

        if (_awaitedEvents.TryRemove(method, out var awaited))
        {
            awaited.TrySetResult(parameters.ValueKind == JsonValueKind.Undefined ? default : parameters.Clone());
        }
    }
}
