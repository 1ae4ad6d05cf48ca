package io.secretsstore.injector.exec;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Optional;

/**
 * The C library calls the injector needs, as FFM downcalls (no JNI, no helper binary; the same code
 * works in a GraalVM native image with the downcalls registered in its metadata). Paths, arguments
 * and environment entries are passed as bytes, exactly as they came in.
 */
public final class Posix {

  public static final int ENOENT = 2;
  public static final int EINTR = 4;
  public static final int ENOEXEC = 8;
  public static final int ECHILD = 10;
  public static final int EACCES = 13;

  static final int F_OK = 0;
  static final int X_OK = 1;
  static final int F_SETFD = 2;
  static final int FD_CLOEXEC = 1;
  static final int SIG_SETMASK = 2;
  // glibc's posix_spawn flags
  static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  static final short POSIX_SPAWN_SETSIGMASK = 0x08;

  /** Larger than glibc's and musl's {@code sigset_t} (128 bytes) and spawn structures. */
  private static final long OPAQUE_BYTES = 1024;

  /** Loaded on first use only: the bundle's start path makes no FFM downcall at all. */
  private static final class Ffm {
    static final Linker LINKER = Linker.nativeLinker();
  }

  private static final SyscallNumbers NUMBERS = SyscallNumbers.forThisMachine();

  /**
   * The start path (command lookup, descriptors, signal mask, execve) goes through one downcall of
   * one shape, glibc's {@code syscall()}: every distinct FFM downcall shape costs its own generated
   * method-handle classes at start-up, far more than the calls themselves.
   */
  private static final class Syscall {
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    static final VarHandle ERRNO =
        CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    static final MethodHandle SYSCALL =
        Ffm.LINKER.downcallHandle(
            Ffm.LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.captureCallState("errno"),
            Linker.Option.firstVariadicArg(1));
  }

  /** Linux system call numbers and flags that differ between architectures. */
  private record SyscallNumbers(
      long execve,
      long fcntl,
      long rtSigprocmask,
      long faccessat,
      long openat,
      long close,
      long kill,
      long wait4,
      long oDirectory) {
    static SyscallNumbers forThisMachine() {
      String arch = System.getProperty("os.arch", "");
      return switch (arch) {
        case "amd64", "x86_64" -> new SyscallNumbers(59, 72, 14, 269, 257, 3, 62, 61, 0200000);
        case "aarch64", "arm64" -> new SyscallNumbers(221, 25, 135, 48, 56, 57, 129, 260, 040000);
        default -> throw new IllegalStateException("no system call table for " + arch);
      };
    }
  }

  static final long AT_FDCWD = -100;
  static final long O_CLOEXEC = 02000000;

  /** posix_spawn and its attributes: only the watch modes need them. */
  private static final class Spawn {
    static final MethodHandle SIGEMPTYSET =
        plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle SIGFILLSET =
        plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle SPAWN =
        plain(
            "posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle ATTR_INIT_HANDLE =
        plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ATTR_SETFLAGS =
        plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    static final MethodHandle ATTR_SETSIGMASK =
        plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle ATTR_SETSIGDEFAULT =
        plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle ACTIONS_INIT =
        plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** glibc 2.34+; without it the caller's close-on-exec marks still apply. */
    static final Optional<MethodHandle> ACTIONS_CLOSEFROM =
        optional(
            "posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class Strerror {
    static final MethodHandle STRERROR =
        plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  private Posix() {}

  private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
    return Ffm.LINKER.downcallHandle(
        Ffm.LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
  }

  private static Optional<MethodHandle> optional(String name, FunctionDescriptor descriptor) {
    return Ffm.LINKER
        .defaultLookup()
        .find(name)
        .map(symbol -> Ffm.LINKER.downcallHandle(symbol, descriptor));
  }

  /**
   * Replaces this process with {@code path}. Returns only on failure, with the errno.
   *
   * @param argv the arguments, {@code argv[0]} included
   * @param env {@code NAME=value} entries
   */
  public static int execve(byte[] path, List<byte[]> argv, List<byte[]> env) {
    if (BundleSyscall.AVAILABLE) {
      return BundleSyscall.execve(path, argv.toArray(new byte[0][]), env.toArray(new byte[0][]));
    }
    try (Arena arena = Arena.ofConfined()) {
      long result =
          syscall(
              arena,
              NUMBERS.execve(),
              cString(arena, path).address(),
              strings(arena, argv).address(),
              strings(arena, env).address(),
              0);
      return (int) -result;
    }
  }

  /** A system call; its result, or minus the errno when it failed. */
  private static long syscall(Arena arena, long number, long a, long b, long c, long d) {
    MemorySegment state = arena.allocate(Syscall.CALL_STATE);
    try {
      long result = (long) Syscall.SYSCALL.invokeExact(state, number, a, b, c, d);
      return result == -1 ? -(int) Syscall.ERRNO.get(state, 0L) : result;
    } catch (Throwable e) {
      throw new IllegalStateException("system call " + number + " could not be made", e);
    }
  }

  /**
   * Starts {@code path} as a child with every signal at its default action, an empty signal mask
   * and no descriptor above 2 (glibc's closefrom action; the caller also marks them close-on-exec).
   *
   * @return the child's pid
   * @throws SpawnException with the errno when the child could not be started
   */
  public static int spawn(byte[] path, List<byte[]> argv, List<byte[]> env) throws SpawnException {
    if (BundleSyscall.AVAILABLE) {
      int pid = BundleSyscall.spawn(path, argv.toArray(new byte[0][]), env.toArray(new byte[0][]));
      if (pid < 0) {
        throw new SpawnException(-pid);
      }
      return pid;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment attributes = arena.allocate(OPAQUE_BYTES, 16);
      MemorySegment actions = arena.allocate(OPAQUE_BYTES, 16);
      MemorySegment empty = arena.allocate(OPAQUE_BYTES, 16);
      MemorySegment all = arena.allocate(OPAQUE_BYTES, 16);
      MemorySegment pid = arena.allocate(JAVA_INT);
      check((int) Spawn.ATTR_INIT_HANDLE.invokeExact(attributes), "posix_spawnattr_init");
      check((int) Spawn.SIGEMPTYSET.invokeExact(empty), "sigemptyset");
      check((int) Spawn.SIGFILLSET.invokeExact(all), "sigfillset");
      check((int) Spawn.ATTR_SETSIGMASK.invokeExact(attributes, empty), "setsigmask");
      check((int) Spawn.ATTR_SETSIGDEFAULT.invokeExact(attributes, all), "setsigdefault");
      check(
          (int)
              Spawn.ATTR_SETFLAGS.invokeExact(
                  attributes, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
          "setflags");
      MemorySegment fileActions = MemorySegment.NULL;
      if (Spawn.ACTIONS_CLOSEFROM.isPresent()) {
        check((int) Spawn.ACTIONS_INIT.invokeExact(actions), "posix_spawn_file_actions_init");
        check((int) Spawn.ACTIONS_CLOSEFROM.get().invokeExact(actions, 3), "addclosefrom");
        fileActions = actions;
      }
      int result =
          (int)
              Spawn.SPAWN.invokeExact(
                  pid,
                  cString(arena, path),
                  fileActions,
                  attributes,
                  strings(arena, argv),
                  strings(arena, env));
      if (result != 0) {
        throw new SpawnException(result);
      }
      return pid.get(JAVA_INT, 0);
    } catch (SpawnException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("posix_spawn could not be called", e);
    }
  }

  /** posix_spawn failed; {@link #errno()} says why. */
  public static final class SpawnException extends Exception {
    private final int errno;

    SpawnException(int errno) {
      super(strerror(errno));
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }

  /** A child that ended: its pid and its exit code (128 + signal when a signal killed it). */
  public record Exit(int pid, int code) {}

  /** The exit code of a raw wait status: the child's own, or 128 + the signal that killed it. */
  private static Exit exit(int pid, int raw) {
    int signal = raw & 0x7f;
    return new Exit(pid, signal == 0 ? (raw >> 8) & 0xff : 128 + signal);
  }

  /**
   * Waits for any child ({@code waitpid(-1)}), which also reaps orphans re-parented to us as PID 1.
   *
   * @return the child that ended, or empty when there are no children
   */
  public static Optional<Exit> waitAny() {
    if (BundleSyscall.AVAILABLE) {
      long result = BundleSyscall.waitAny();
      return result < 0 ? Optional.empty() : Optional.of(exit((int) (result >>> 32), (int) result));
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment status = arena.allocate(JAVA_INT);
      while (true) {
        long pid = syscall(arena, NUMBERS.wait4(), -1, status.address(), 0, 0);
        if (pid > 0) {
          return Optional.of(exit((int) pid, status.get(JAVA_INT, 0)));
        }
        if (pid != -EINTR) {
          return Optional.empty();
        }
      }
    }
  }

  /** Sends {@code signal} to {@code pid}; false if the process is gone. */
  public static boolean kill(long pid, int signal) {
    return scalarSyscall(NUMBERS.kill(), pid, signal, 0) == 0;
  }

  /** Marks a descriptor close-on-exec; false if it is not open (any more). */
  public static boolean setCloseOnExec(int fd) {
    return scalarSyscall(NUMBERS.fcntl(), fd, F_SETFD, FD_CLOEXEC) == 0;
  }

  /** A system call without pointer arguments: no memory segment needed. */
  private static long scalarSyscall(long number, long a, long b, long c) {
    if (BundleSyscall.AVAILABLE) {
      return BundleSyscall.syscall(number, a, b, c, 0);
    }
    try (Arena arena = Arena.ofConfined()) {
      return syscall(arena, number, a, b, c, 0);
    }
  }

  /** Unblocks every signal for the calling thread (the mask survives {@code execve}). */
  public static void clearSignalMask() {
    if (BundleSyscall.AVAILABLE) {
      int error = BundleSyscall.clearSignalMask();
      if (error != 0) {
        throw new IllegalStateException("rt_sigprocmask failed: " + strerror(error));
      }
      return;
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment empty = arena.allocate(8); // the kernel's sigset_t: 64 bits, all clear
      long result = syscall(arena, NUMBERS.rtSigprocmask(), SIG_SETMASK, empty.address(), 0, 8);
      if (result != 0) {
        throw new IllegalStateException("rt_sigprocmask failed: " + strerror((int) -result));
      }
    }
  }

  /** {@code access(path, F_OK)}, for paths the JVM cannot name in a non-UTF-8 locale. */
  public static boolean exists(byte[] path) {
    return access(path, F_OK) == 0;
  }

  /** {@code access(path, X_OK)}. */
  public static boolean isExecutable(byte[] path) {
    return access(path, X_OK) == 0;
  }

  /** True if the path names a directory (it opens with {@code O_DIRECTORY}). */
  public static boolean isDirectory(byte[] path) {
    if (BundleSyscall.AVAILABLE) {
      return BundleSyscall.isDirectory(path);
    }
    try (Arena arena = Arena.ofConfined()) {
      long fd =
          syscall(
              arena,
              NUMBERS.openat(),
              AT_FDCWD,
              cString(arena, path).address(),
              NUMBERS.oDirectory() | O_CLOEXEC,
              0);
      if (fd < 0) {
        return false;
      }
      syscall(arena, NUMBERS.close(), fd, 0, 0, 0);
      return true;
    }
  }

  private static long access(byte[] path, int mode) {
    if (BundleSyscall.AVAILABLE) {
      return -BundleSyscall.access(path, mode);
    }
    try (Arena arena = Arena.ofConfined()) {
      return syscall(arena, NUMBERS.faccessat(), AT_FDCWD, cString(arena, path).address(), mode, 0);
    }
  }

  public static String strerror(int errno) {
    if (BundleSyscall.AVAILABLE) {
      return BundleSyscall.strerror(errno);
    }
    try {
      MemorySegment message = (MemorySegment) Strerror.STRERROR.invokeExact(errno);
      return message.reinterpret(256).getString(0);
    } catch (Throwable e) {
      return "errno " + errno;
    }
  }

  private static void check(int result, String call) {
    if (result != 0) {
      throw new IllegalStateException(call + " failed: " + strerror(result));
    }
  }

  private static MemorySegment cString(Arena arena, byte[] bytes) {
    MemorySegment text = arena.allocate(bytes.length + 1L);
    MemorySegment.copy(bytes, 0, text, JAVA_BYTE, 0, bytes.length);
    text.set(JAVA_BYTE, bytes.length, (byte) 0);
    return text;
  }

  /** A NULL-terminated {@code char *[]}. */
  private static MemorySegment strings(Arena arena, List<byte[]> values) {
    MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ADDRESS, i, cString(arena, values.get(i)));
    }
    array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
    return array;
  }
}
