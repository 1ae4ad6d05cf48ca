import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Build-time only: answers the injector's AOT training run with store-shaped JSON (a login, KV v2
 * reads), so that the cache records the classes of a whole start, not just of a failed connection.
 * Not a test double: no test uses it, the tests run against a real OpenBao.
 *
 * <p>{@code java TrainingStore.java <port file> [<PKCS12 key store> <password>]}: listens on a free
 * loopback port (HTTPS with the key store's key: stores are reached over TLS, and the TLS classes
 * are most of what a start loads), writes the port to the file, serves until killed.
 */
public class TrainingStore {

  public static void main(String[] args) throws Exception {
    try (ServerSocket server = serverSocket(args)) {
      Files.writeString(Path.of(args[0]), Integer.toString(server.getLocalPort()));
      while (true) {
        Socket socket = server.accept();
        socket.setTcpNoDelay(true);
        Thread.ofPlatform().daemon().start(() -> serve(socket));
      }
    }
  }

  private static ServerSocket serverSocket(String[] args) throws Exception {
    if (args.length < 3) {
      return new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    }
    char[] password = args[2].toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(Path.of(args[1]))) {
      keys.load(in, password);
    }
    KeyManagerFactory managers = KeyManagerFactory.getInstance("PKIX");
    managers.init(keys, password);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(managers.getKeyManagers(), null, null);
    return tls.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getLoopbackAddress());
  }

  private static void serve(Socket socket) {
    try (socket) {
      var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      OutputStream out = socket.getOutputStream();
      while (true) {
        String request = in.readLine();
        if (request == null || request.isEmpty()) {
          return;
        }
        int length = 0;
        for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
          if (header.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(header.substring(15).trim());
          }
        }
        in.skip(length);
        String body =
            request.contains("/login")
                ? "{\"auth\":{\"client_token\":\"training\",\"lease_duration\":3600,\"renewable\":true}}"
                : "{\"request_id\":\"r\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
                    + "\"data\":{\"data\":{\"user\":\"u\",\"password\":\"p\",\"port\":5432},"
                    + "\"metadata\":{\"version\":1,\"created_time\":\"2025-01-01T00:00:00Z\","
                    + "\"deletion_time\":\"\",\"destroyed\":false}}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        // One write per answer, as a store sends it: a header and a body in two small writes
        // would wait for the client's delayed acknowledgement (Nagle), 40 ms per answer.
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length
                    + "\r\n\r\n"
                    + body)
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (Exception e) {
      // the training run went away
    }
  }
}
