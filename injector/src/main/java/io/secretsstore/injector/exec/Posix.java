package io.secretsstore.injector.exec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The three system calls the injector needs, as FFM downcalls (no JNI, no helper binary, and the
 * same code works in a GraalVM native image with the downcalls registered in its metadata).
 */
public final class Posix {

  public static final int ENOENT = 2;
  public static final int EACCES = 13;
  public static final int ENOEXEC = 8;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle EXECVE =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("execve").orElseThrow(),
          FunctionDescriptor.of(
              ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
          Linker.Option.captureCallState("errno"));
  private static final MethodHandle KILL =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("kill").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("strerror").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Posix() {}

  /**
   * Replaces this process with {@code path}. Returns only on failure, with the errno.
   *
   * @param argv the arguments, {@code argv[0]} included
   * @param env {@code NAME=value} strings
   */
  public static int execve(String path, List<String> argv, List<String> env) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int result =
          (int)
              EXECVE.invokeExact(
                  state, arena.allocateFrom(path), strings(arena, argv), strings(arena, env));
      return result == 0 ? 0 : (int) ERRNO.get(state, 0L);
    } catch (Throwable e) {
      throw new IllegalStateException("execve could not be called", e);
    }
  }

  /** Sends {@code signal} to {@code pid}; false if the process is gone. */
  public static boolean kill(long pid, int signal) {
    try {
      return (int) KILL.invokeExact((int) pid, signal) == 0;
    } catch (Throwable e) {
      throw new IllegalStateException("kill could not be called", e);
    }
  }

  public static String strerror(int errno) {
    try {
      MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
      return message.reinterpret(256).getString(0);
    } catch (Throwable e) {
      return "errno " + errno;
    }
  }

  /** A NULL-terminated {@code char *[]}. */
  private static MemorySegment strings(Arena arena, List<String> values) {
    MemorySegment array = arena.allocate(ValueLayout.ADDRESS, values.size() + 1L);
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(values.get(i)));
    }
    array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
    return array;
  }
}
