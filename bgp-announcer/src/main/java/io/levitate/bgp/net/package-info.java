/**
 * libc socket calls through FFM (Java has no API for TCP_MD5SIG and hides socket descriptors):
 * socket, connect, bind, listen, accept4, setsockopt, poll, read, write, eventfd, kill.
 *
 * <p>Owns: struct layouts (sockaddr_in/in6, tcp_md5sig). Must not: throw on a failed syscall
 * (callers read errno), or know anything about BGP.
 */
package io.levitate.bgp.net;
