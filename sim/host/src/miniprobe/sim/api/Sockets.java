package miniprobe.sim.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import miniprobe.sim.HostOptions;
import miniprobe.sim.Log;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/**
 * wx.createTCPSocket / wx.createUDPSocket: raw sockets, which in WeChat bypass any HTTP proxy. Every
 * operation crosses the bridge as "TCPSocket.connect|write|close" / "UDPSocket.bind|send|close" with the
 * address and port, so the recorder sees where the bytes went. The sim never reaches the outside world:
 * an address that is not a loopback IP goes to the fixture back end (--socket-backend): TCP through an
 * HTTP CONNECT tunnel its server echoes, UDP to the datagram echo on the same port number.
 * Data is text, or base64 with "encoding":"base64" (ArrayBuffers).
 */
public final class Sockets implements ApiGroup {
    private final Listeners listeners;
    private final InetSocketAddress backend;
    private final AtomicInteger lastId = new AtomicInteger();
    private final Map<Integer, Socket> tcp = new ConcurrentHashMap<>();
    private final Map<Integer, DatagramSocket> udp = new ConcurrentHashMap<>();

    public Sockets(Listeners listeners, HostOptions options) {
        this.listeners = listeners;
        this.backend = options.socketBackendPort == 0 ? null
                : new InetSocketAddress(InetAddress.getLoopbackAddress(), options.socketBackendPort);
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("createTCPSocket", call -> Results.ok(call.api, Map.of("socketId", lastId.incrementAndGet())));
        registry.add("createUDPSocket", call -> Results.ok(call.api, Map.of("socketId", lastId.incrementAndGet())));
        registry.add("TCPSocket.connect", this::connect);
        registry.add("TCPSocket.write", this::write);
        registry.add("TCPSocket.close", call -> closeTcp(call.api, id(call)));
        registry.add("UDPSocket.bind", this::bind);
        registry.add("UDPSocket.send", this::send);
        registry.add("UDPSocket.close", this::closeUdp);
    }

    private Map<String, Object> connect(ApiCall call) {
        int id = id(call);
        String address = call.string("address", "");
        int port = (int) call.number("port", 0);
        if (address.isEmpty() || port <= 0 || port > 65535) {
            return Results.fail(call.api, "invalid address or port");
        }
        Thread thread = new Thread(() -> runTcp(id, address, port, (long) call.number("timeout", 2) * 1000),
                "tcp-" + id);
        thread.setDaemon(true);
        thread.start();
        return Results.ok(call.api);
    }

    private void runTcp(int id, String address, int port, long timeoutMs) {
        String target = "tcp:" + id;
        try (Socket socket = new Socket()) {
            boolean tunnel = routedToBackend(address);
            socket.connect(tunnel ? backend : new InetSocketAddress(address, port), (int) Math.max(timeoutMs, 1000));
            if (tunnel) {
                openTunnel(socket, address, port);
            }
            tcp.put(id, socket);
            listeners.emit(target, "onConnect", Map.of());
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0) {
                listeners.emit(target, "onMessage", message(buffer, n, address, port, socket.getLocalPort()));
            }
        } catch (IOException e) {
            if (tcp.containsKey(id)) {
                Log.info("tcp " + id + ": " + e.getMessage());
            } else {
                listeners.emit(target, "onError", Map.of("errMsg", "TCPSocket:fail " + e.getMessage()));
            }
        } finally {
            tcp.remove(id);
            listeners.emit(target, "onClose", Map.of());
        }
    }

    /** CONNECT address:port through the back end's HTTP server; it answers 200 and echoes. */
    private static void openTunnel(Socket socket, String address, int port) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("CONNECT " + address + ":" + port + " HTTP/1.1\r\nHost: " + address + ":" + port + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.length() > 8192) {
                throw new IOException("the back end closed the tunnel to " + address + ":" + port);
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 200") && !head.toString().startsWith("HTTP/1.0 200")) {
            throw new IOException("the back end refused the tunnel: " + head.toString().lines().findFirst().orElse(""));
        }
    }

    private Map<String, Object> write(ApiCall call) throws IOException {
        Socket socket = tcp.get(id(call));
        if (socket == null) {
            return Results.fail(call.api, "socket is not connected");
        }
        OutputStream out = socket.getOutputStream();
        out.write(payload(call));
        out.flush();
        return Results.ok(call.api);
    }

    private Map<String, Object> closeTcp(String api, int id) throws IOException {
        Socket socket = tcp.remove(id);
        if (socket != null) {
            socket.close();
        }
        return Results.ok(api);
    }

    private Map<String, Object> bind(ApiCall call) throws IOException {
        int id = id(call);
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                (int) call.number("port", 0)));
        udp.put(id, socket);
        Thread thread = new Thread(() -> receive(id, socket), "udp-" + id);
        thread.setDaemon(true);
        thread.start();
        return Results.ok(call.api, Map.of("port", socket.getLocalPort()));
    }

    private void receive(int id, DatagramSocket socket) {
        byte[] buffer = new byte[65536];
        try {
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                listeners.emit("udp:" + id, "onMessage", message(buffer, packet.getLength(),
                        packet.getAddress().getHostAddress(), packet.getPort(), socket.getLocalPort()));
            }
        } catch (IOException closed) {
            listeners.emit("udp:" + id, "onClose", Map.of());
        }
    }

    private Map<String, Object> send(ApiCall call) throws IOException {
        int id = id(call);
        DatagramSocket socket = udp.get(id);
        if (socket == null) {
            bind(call);
            socket = udp.get(id);
        }
        String address = call.string("address", "");
        int port = (int) call.number("port", 0);
        if (address.isEmpty() || port <= 0 || port > 65535) {
            return Results.fail(call.api, "invalid address or port");
        }
        byte[] bytes = payload(call);
        InetSocketAddress to = routedToBackend(address) ? backend : new InetSocketAddress(address, port);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
        return Results.ok(call.api);
    }

    private Map<String, Object> closeUdp(ApiCall call) {
        DatagramSocket socket = udp.remove(id(call));
        if (socket != null) {
            socket.close();
        }
        return Results.ok(call.api);
    }

    /** Loopback IPs are reached directly; any other address is the fixture back end's (when there is one). */
    private boolean routedToBackend(String address) {
        if (backend == null) {
            return false;
        }
        return !(address.equals("localhost") || address.startsWith("127.") || address.equals("::1"));
    }

    private static Map<String, Object> message(byte[] buffer, int n, String address, int port, int localPort) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("message", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer, n)));
        data.put("encoding", "base64");
        data.put("remoteInfo", Map.of("address", address, "family", "IPv4", "port", port, "size", n));
        data.put("localInfo", Map.of("address", "127.0.0.1", "family", "IPv4", "port", localPort));
        return data;
    }

    private static byte[] payload(ApiCall call) {
        Object data = call.value("data");
        if (data == null) {
            data = call.value("message");
        }
        String text = data == null ? "" : String.valueOf(data);
        return "base64".equals(call.string("encoding", "")) ? Base64.getDecoder().decode(text)
                : text.getBytes(StandardCharsets.UTF_8);
    }

    private static int id(ApiCall call) {
        return (int) call.number("socketId", 0);
    }
}
