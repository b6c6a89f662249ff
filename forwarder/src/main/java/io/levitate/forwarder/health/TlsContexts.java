package io.levitate.forwarder.health;

import io.levitate.forwarder.config.HealthCheckConfig;
import io.levitate.packet.Addresses;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for https checks: the JDK's own TLS over the probe's connected socket.
 *
 * <p>{@code tls_verify: none} accepts any certificate: the check is then that the backend
 * completes a handshake and answers the GET, as HAProxy's {@code check-ssl verify none} does; it
 * says nothing of who answered. {@code tls_verify: ca} requires a chain to the PEM certificates of
 * {@code ca_file} and a certificate that names the SNI host (or, without {@code sni}, the backend's
 * address as an IP SAN). The CA file is read at the first probe and again whenever its modification
 * time or size changes, so a renewed CA needs no reload; a file that cannot be read fails the
 * probe with the reason.
 */
final class TlsContexts {
    private record Loaded(FileTime modified, long size, SSLContext context) {}

    private final SSLContext trustAll;
    private final ConcurrentMap<String, Loaded> byCaFile = new ConcurrentHashMap<>();

    TlsContexts() {
        try {
            trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new AnyCertificate()}, null);
        } catch (final GeneralSecurityException ex) {
            throw new IllegalStateException("the JDK offers no TLS", ex);
        }
    }

    /**
     * Wraps {@code socket} (connected, its timeout set) in TLS and completes the handshake.
     *
     * @throws IOException when the handshake fails, the certificate is refused or the CA file
     *                     cannot be read
     */
    SSLSocket handshake(final Socket socket, final HealthChecker.Target target) throws IOException {
        final HealthCheckConfig.Tls tls = target.check().tls();
        final SSLContext context = tls.verify() == HealthCheckConfig.TlsVerify.CA ? caContext(tls.caFile()) : trustAll;
        // The peer host given here is what the certificate must name in ca mode. With an SNI name
        // it is that name: the JDK would otherwise fall back to the address when the name does not
        // match, and accept a certificate for the address that is not the one asked for.
        forgetSessions(context);
        final String peer = tls.sni() != null ? tls.sni() : Addresses.format(target.address());
        final SSLSocket ssl =
                (SSLSocket) context.getSocketFactory().createSocket(socket, peer, target.probePort(), true);
        final SSLParameters parameters = ssl.getSSLParameters();
        parameters.setServerNames(tls.sni() != null ? List.of(new SNIHostName(tls.sni())) : List.of());
        if (tls.verify() == HealthCheckConfig.TlsVerify.CA) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    /**
     * Every probe makes a full handshake: a resumed session would skip the certificate, so a
     * backend whose certificate changed (or expired) would pass on the strength of an old one.
     * Invalidating the probe's own session is not enough with TLS 1.3, whose tickets arrive as
     * sessions of their own; so the context's client cache is emptied before each handshake.
     */
    private static void forgetSessions(final SSLContext context) {
        final SSLSessionContext sessions = context.getClientSessionContext();
        for (final Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
            final SSLSession session = sessions.getSession(ids.nextElement());
            if (session != null) {
                session.invalidate();
            }
        }
    }

    private SSLContext caContext(final String caFile) throws IOException {
        final Path path = Path.of(caFile);
        final FileTime modified;
        final long size;
        try {
            modified = Files.getLastModifiedTime(path);
            size = Files.size(path);
        } catch (final IOException ex) {
            throw new IOException(
                    "ca_file " + caFile + " cannot be read (" + ex.getClass().getSimpleName() + ")", ex);
        }
        final Loaded cached = byCaFile.get(caFile);
        if (cached != null && cached.modified().equals(modified) && cached.size() == size) {
            return cached.context();
        }
        try (InputStream in = Files.newInputStream(path)) {
            final Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IOException("ca_file " + caFile + " holds no certificate");
            }
            final KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (final Certificate certificate : certificates) {
                anchors.setCertificateEntry("ca" + i++, certificate);
            }
            final TrustManagerFactory factory =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            byCaFile.put(caFile, new Loaded(modified, size, context));
            return context;
        } catch (final GeneralSecurityException ex) {
            throw new SSLHandshakeException("ca_file " + caFile + ": " + ex.getMessage());
        }
    }

    /** tls_verify: none. Extended, so that the JDK adds no checks of its own around it. */
    private static final class AnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType) {}

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType) {}

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final Socket socket) {}

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final Socket socket) {}

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine) {}

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
