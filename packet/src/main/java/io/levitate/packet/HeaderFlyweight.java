package io.levitate.packet;

import java.lang.foreign.MemorySegment;

/**
 * Base of every header flyweight: a re-pointable window {@code [offset, offset + length)} over a
 * segment.
 *
 * <p>{@link #wrap} never reads memory, so it cannot fail. Each subclass offers a
 * {@code validate()}-style check (header fits in {@code length}, self-described lengths are
 * consistent) that the caller must pass before reading fields: that is where untrusted lengths are
 * checked, once, instead of in every accessor. Accessors deliberately carry no checks at all,
 * not even {@code assert}s: an assert's bytecode pushes these one-line methods past the JIT's
 * always-inline size (35 bytes) and the hot path then pays a call per field (measured). The fuzz test instead gives every frame
 * as a segment ending at its last byte, so a read the validation did not cover throws there.
 *
 * <p>{@code offset} is a {@code long} because the forwarder passes absolute native addresses into
 * one all-of-memory segment; {@code length} is the bytes the caller vouches for, not the segment's
 * size.
 */
public abstract class HeaderFlyweight {
    protected MemorySegment segment;
    protected long offset;
    protected int length;

    /** Re-points this flyweight; reads nothing. */
    public HeaderFlyweight wrap(MemorySegment segment, long offset, int length) {
        // Storing a reference costs a G1 write barrier (with a StoreLoad fence for old objects)
        // every time; the forwarder always passes the same segment, so store only on change.
        if (this.segment != segment) {
            this.segment = segment;
        }
        this.offset = offset;
        this.length = length;
        return this;
    }

    public final MemorySegment segment() {
        return segment;
    }

    public final long offset() {
        return offset;
    }

    /** Bytes available from {@link #offset()} (header plus whatever follows it). */
    public final int length() {
        return length;
    }

    protected final boolean inBounds(int field, int size) {
        return field >= 0 && field + size <= length;
    }

    protected final int u8(int field) {
        return NetworkOrder.u8(segment, offset + field);
    }

    protected final int u16(int field) {
        return NetworkOrder.u16(segment, offset + field);
    }

    protected final int i32(int field) {
        return NetworkOrder.i32(segment, offset + field);
    }

    protected final long i64(int field) {
        return NetworkOrder.i64(segment, offset + field);
    }

    protected final long mac(int field) {
        return NetworkOrder.mac(segment, offset + field);
    }

    protected final void putU8(int field, int value) {
        NetworkOrder.putU8(segment, offset + field, value);
    }

    protected final void putU16(int field, int value) {
        NetworkOrder.putU16(segment, offset + field, value);
    }

    protected final void putI32(int field, int value) {
        NetworkOrder.putI32(segment, offset + field, value);
    }

    protected final void putI64(int field, long value) {
        NetworkOrder.putI64(segment, offset + field, value);
    }

    protected final void putMac(int field, long value) {
        NetworkOrder.putMac(segment, offset + field, value);
    }
}
