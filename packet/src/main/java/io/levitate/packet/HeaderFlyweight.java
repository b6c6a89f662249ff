package io.levitate.packet;

import java.lang.foreign.MemorySegment;

/**
 * Base of every header flyweight: a re-pointable window {@code [offset, offset + length)} over a
 * segment.
 *
 * <p>{@link #wrap} never reads memory, so it cannot fail. Each subclass offers a
 * {@code validate()}-style check (header fits in {@code length}, self-described lengths are
 * consistent) that the caller must pass before reading fields: that is where untrusted lengths are
 * checked, once, instead of in every accessor. Accessors additionally carry {@code assert} bounds
 * checks, which cost nothing in production (assertions off) and turn a missing validation into a
 * test failure (Surefire runs with {@code -ea}).
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
        this.segment = segment;
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
        assert inBounds(field, 1) : oob(field, 1);
        return NetworkOrder.u8(segment, offset + field);
    }

    protected final int u16(int field) {
        assert inBounds(field, 2) : oob(field, 2);
        return NetworkOrder.u16(segment, offset + field);
    }

    protected final int i32(int field) {
        assert inBounds(field, 4) : oob(field, 4);
        return NetworkOrder.i32(segment, offset + field);
    }

    protected final long i64(int field) {
        assert inBounds(field, 8) : oob(field, 8);
        return NetworkOrder.i64(segment, offset + field);
    }

    protected final long mac(int field) {
        assert inBounds(field, 6) : oob(field, 6);
        return NetworkOrder.mac(segment, offset + field);
    }

    protected final void putU8(int field, int value) {
        assert inBounds(field, 1) : oob(field, 1);
        NetworkOrder.putU8(segment, offset + field, value);
    }

    protected final void putU16(int field, int value) {
        assert inBounds(field, 2) : oob(field, 2);
        NetworkOrder.putU16(segment, offset + field, value);
    }

    protected final void putI32(int field, int value) {
        assert inBounds(field, 4) : oob(field, 4);
        NetworkOrder.putI32(segment, offset + field, value);
    }

    protected final void putI64(int field, long value) {
        assert inBounds(field, 8) : oob(field, 8);
        NetworkOrder.putI64(segment, offset + field, value);
    }

    protected final void putMac(int field, long value) {
        assert inBounds(field, 6) : oob(field, 6);
        NetworkOrder.putMac(segment, offset + field, value);
    }

    private String oob(int field, int size) {
        return getClass().getSimpleName() + ": field at " + field + " size " + size
                + " outside validated length " + length;
    }
}
