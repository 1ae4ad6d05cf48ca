package io.secretsstore.vault;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpResponse;

/**
 * One store request bounded as a whole: from {@code execute()} until its answer is closed, at most
 * the request timeout after the connect timeout. {@code HttpURLConnection}'s read timeout bounds
 * each wait for bytes only, so a store sending one byte just inside it could hold the caller for
 * ever. At the deadline the requesting thread is interrupted: it is a virtual thread ({@link
 * RetryingExecutor} runs every attempt on one), whose blocked socket wait then closes the socket.
 * ({@code HttpURLConnection.disconnect()} is no substitute: once the answer has begun it closes the
 * body stream under the lock the blocked reader holds, and may wait for ever.) The caller's read
 * fails as a {@link SocketTimeoutException}, the error kind {@code timeout}, as a silent store
 * gets, and the interrupt, which was the deadline's and not a cancellation, is cleared.
 */
final class RequestDeadline implements ClientHttpRequest {

  /** One daemon thread per JVM, only ever closing sockets; cancelled deadlines are dropped. */
  private static final class Timer {
    static final ScheduledThreadPoolExecutor INSTANCE = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1, Thread.ofPlatform().daemon().name("store-request-deadline").factory());
      timer.setRemoveOnCancelPolicy(true);
      return timer;
    }
  }

  private final ClientHttpRequest request;
  private final HttpURLConnection connection;
  private final Duration limit;
  private final AtomicBoolean expired = new AtomicBoolean();
  private volatile Thread requester;

  RequestDeadline(ClientHttpRequest request, HttpURLConnection connection, Duration limit) {
    this.request = request;
    this.connection = connection;
    this.limit = limit;
  }

  @Override
  public ClientHttpResponse execute() throws IOException {
    long millis = limit.toMillis() + connection.getConnectTimeout();
    Thread thread = Thread.currentThread();
    requester = thread;
    ScheduledFuture<?> deadline =
        Timer.INSTANCE.schedule(
            () -> {
              expired.set(true);
              if (thread.isVirtual()) {
                thread.interrupt();
              } else {
                // Not through RetryingExecutor: best effort (ends a wait for the headers).
                connection.disconnect();
              }
            },
            millis,
            TimeUnit.MILLISECONDS);
    try {
      return new Response(request.execute(), deadline);
    } catch (IOException e) {
      deadline.cancel(false);
      throw translated(e);
    } catch (RuntimeException | Error e) {
      deadline.cancel(false);
      throw e;
    }
  }

  private IOException translated(IOException e) {
    if (!expired.get()) {
      return e;
    }
    clearOwnInterrupt();
    SocketTimeoutException timeout =
        new SocketTimeoutException(
            "the whole answer took longer than the request timeout (" + limit.toMillis() + " ms)");
    timeout.initCause(e);
    return timeout;
  }

  /** The deadline's interrupt is not the caller's cancellation: the requester's flag is cleared. */
  private void clearOwnInterrupt() {
    Thread thread = requester;
    if (Thread.currentThread() == thread && thread.isVirtual()) {
      Thread.interrupted();
    }
  }

  @Override
  public OutputStream getBody() throws IOException {
    return request.getBody();
  }

  @Override
  public HttpMethod getMethod() {
    return request.getMethod();
  }

  @Override
  public URI getURI() {
    return request.getURI();
  }

  @Override
  public HttpHeaders getHeaders() {
    return request.getHeaders();
  }

  @Override
  public Map<String, Object> getAttributes() {
    return request.getAttributes();
  }

  /** The answer; closing it (its body read or abandoned) ends the deadline. */
  private final class Response implements ClientHttpResponse {

    private final ClientHttpResponse response;
    private final ScheduledFuture<?> deadline;
    private InputStream body;

    Response(ClientHttpResponse response, ScheduledFuture<?> deadline) {
      this.response = response;
      this.deadline = deadline;
    }

    @Override
    public HttpStatusCode getStatusCode() throws IOException {
      try {
        return response.getStatusCode();
      } catch (IOException e) {
        throw translated(e);
      }
    }

    @Override
    public String getStatusText() throws IOException {
      return response.getStatusText();
    }

    @Override
    public HttpHeaders getHeaders() {
      return response.getHeaders();
    }

    @Override
    public InputStream getBody() throws IOException {
      if (body == null) {
        InputStream raw;
        try {
          raw = response.getBody();
        } catch (IOException e) {
          throw translated(e);
        }
        body =
            new FilterInputStream(raw) {
              @Override
              public int read() throws IOException {
                try {
                  return super.read();
                } catch (IOException e) {
                  throw translated(e);
                }
              }

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                try {
                  return super.read(b, off, len);
                } catch (IOException e) {
                  throw translated(e);
                }
              }
            };
      }
      return body;
    }

    @Override
    public void close() {
      // Cancelled first: the finished request's connection goes back to the keep-alive cache.
      if (!deadline.cancel(false)) {
        // It fired as the answer ended: let it finish (a flag and an interrupt), then clear it.
        while (!deadline.isDone()) {
          Thread.onSpinWait();
        }
        if (expired.get()) {
          clearOwnInterrupt();
        }
      }
      response.close();
    }
  }
}
