package io.secretsstore.injector.exec;

/**
 * The injector's system calls through the JVM bundle's JNI library ({@code
 * <bundle>/lib/libinjector-syscall.so}, from {@code src/bundle/syscall.c}). The same calls through
 * FFM spin about 60 method-handle classes at every start (the downcall and the memory-segment
 * access; no AOT cache of JDK 25 keeps them), which made them the largest part of the start after
 * the JVM itself. A plain jar and a native image have no such library and use FFM ({@link
 * #AVAILABLE} is false); {@link Posix} chooses.
 */
final class BundleSyscall {

  /** The library's file name in the bundle's {@code lib} directory. */
  static final String LIBRARY = "libinjector-syscall.so";

  /** True when the bundle's library is loaded. */
  static final boolean AVAILABLE = load();

  private BundleSyscall() {}

  private static boolean load() {
    String home = System.getProperty("secrets-store.bundle.home");
    if (home == null || home.isEmpty()) {
      return false;
    }
    try {
      System.load(home + "/lib/" + LIBRARY);
      return true;
    } catch (UnsatisfiedLinkError e) {
      return false; // a bundle built without a C compiler: FFM
    }
  }

  /** A system call with scalar arguments; its result, or minus the errno when it failed. */
  static native long syscall(long number, long a, long b, long c, long d);

  /** {@code execve}; returns only on failure, with the errno. */
  static native int execve(byte[] path, byte[][] argv, byte[][] env);

  /** {@code access(path, mode)}: 0 or the errno. */
  static native int access(byte[] path, int mode);

  /** True when the path opens as a directory. */
  static native boolean isDirectory(byte[] path);

  /** Unblocks every signal for the calling thread: 0 or the errno. */
  static native int clearSignalMask();

  /** The C library's message for an errno. */
  static native String strerror(int errno);

  /**
   * {@code posix_spawn} with every signal at its default action, an empty mask and no descriptor
   * above 2: the child's pid, or minus the errno.
   */
  static native int spawn(byte[] path, byte[][] argv, byte[][] env);

  /**
   * {@code wait4(-1)}, retried on {@code EINTR}: the pid in the upper 32 bits and the raw wait
   * status in the lower, or minus the errno ({@code ECHILD}: no children).
   */
  static native long waitAny();
}
