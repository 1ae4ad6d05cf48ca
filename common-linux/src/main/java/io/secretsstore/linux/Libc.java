package io.secretsstore.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library's functions as FFM downcalls, with {@code errno} captured right after the call (the
 * JVM may change it before Java code could read it otherwise). One place for the linker, the errno
 * capture and {@code strerror}.
 */
public final class Libc {

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EACCES = 13;
  public static final int EEXIST = 17;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int EBUSY = 16;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("strerror").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Libc() {}

  /**
   * A handle of the C function {@code name} that takes a call-state segment as its first argument
   * (see {@link #callState}) and leaves {@code errno} in it.
   */
  public static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)),
        descriptor,
        Linker.Option.captureCallState("errno"));
  }

  /**
   * {@link #withErrno} for a variadic C function: {@code fixedArguments} is the number of its
   * arguments before the {@code ...} (not counting the call state), e.g. 3 for {@code openat}.
   */
  public static MethodHandle variadicWithErrno(
      String name, FunctionDescriptor descriptor, int fixedArguments) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)),
        descriptor,
        Linker.Option.firstVariadicArg(fixedArguments),
        Linker.Option.captureCallState("errno"));
  }

  /** A handle of the C function {@code name} whose errno is not needed. */
  public static MethodHandle plain(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)),
        descriptor);
  }

  /** Memory for the call state of one call of a {@link #withErrno} handle. */
  public static MemorySegment callState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  /** The errno a {@link #withErrno} call left in {@code state}. */
  public static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** The C library's message for {@code errno}, e.g. "No such file or directory". */
  public static String strerror(int errno) {
    try {
      MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
      // strerror's messages are short; 256 bytes bounds the read of the C string.
      return message.reinterpret(256).getString(0);
    } catch (Throwable e) {
      return "errno " + errno;
    }
  }

  /** {@code strerror} plus the number, for messages: "Device or resource busy (errno 16)". */
  public static String describe(int errno) {
    return strerror(errno) + " (errno " + errno + ")";
  }
}
