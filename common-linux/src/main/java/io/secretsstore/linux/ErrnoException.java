package io.secretsstore.linux;

import java.io.IOException;

/** A system call failed; the message names the call, what it was about and {@code strerror}. */
public final class ErrnoException extends IOException {

  private final int errno;

  public ErrnoException(String call, String subject, int errno) {
    super(call + " " + subject + " failed: " + Libc.describe(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
