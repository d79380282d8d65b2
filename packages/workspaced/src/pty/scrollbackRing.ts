/**
 * A fixed-capacity byte ring: the last `capacity` bytes a session wrote.
 * Memory is allocated once, so a chatty process can't grow it.
 */
export class ScrollbackRing {
  private readonly buffer: Buffer;
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('capacity must be a positive integer');
    this.buffer = Buffer.alloc(capacity);
  }

  get size(): number {
    return this.length;
  }

  write(chunk: Buffer): void {
    // Only the tail of an oversized chunk can survive, so skip copying the rest.
    const data = chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    const end = (this.start + this.length) % this.capacity;
    const firstPart = Math.min(data.length, this.capacity - end);
    data.copy(this.buffer, end, 0, firstPart);
    data.copy(this.buffer, 0, firstPart);
    const overflow = Math.max(0, this.length + data.length - this.capacity);
    this.length = Math.min(this.capacity, this.length + data.length);
    this.start = (this.start + overflow) % this.capacity;
  }

  /** A copy of the buffered bytes, oldest first. */
  snapshot(): Buffer {
    const out = Buffer.alloc(this.length);
    const firstPart = Math.min(this.length, this.capacity - this.start);
    this.buffer.copy(out, 0, this.start, this.start + firstPart);
    this.buffer.copy(out, firstPart, 0, this.length - firstPart);
    return out;
  }
}
