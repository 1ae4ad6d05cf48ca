package io.secretsstore.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * {@code mount(2)} and {@code umount2(2)}: no {@code mount} binary in the image, and errors come
 * back as errno, not as parsed command output.
 */
public final class Mounts {

  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  static final int MNT_DETACH = 2;

  private static final MethodHandle MOUNT =
      Libc.withErrno(
          "mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle UMOUNT2 =
      Libc.withErrno("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

  private Mounts() {}

  /**
   * Mounts a tmpfs of at most {@code sizeBytes} at {@code target}: no set-uid, no devices, no
   * executables; the root directory's mode is {@code mode} (octal).
   */
  public static void mountTmpfs(Path target, long sizeBytes, int mode) throws IOException {
    mount(
        "tmpfs",
        target,
        "tmpfs",
        MS_NOSUID | MS_NODEV | MS_NOEXEC,
        "size=" + sizeBytes + ",mode=0" + Integer.toOctalString(mode));
  }

  /** {@code mount(source, target, type, flags, data)}; {@code data} may be null. */
  public static void mount(String source, Path target, String type, long flags, String data)
      throws IOException {
    int errno;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      // Locals with a declared type: invokeExact takes a conditional expression's type as Object.
      MemorySegment typeArgument = type == null ? MemorySegment.NULL : arena.allocateFrom(type);
      MemorySegment dataArgument = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
      int result =
          (int)
              MOUNT.invokeExact(
                  state,
                  arena.allocateFrom(source),
                  arena.allocateFrom(target.toString()),
                  typeArgument,
                  flags,
                  dataArgument);
      errno = result == 0 ? 0 : Libc.errno(state);
    } catch (Throwable e) {
      throw new IOException("mount " + type + " at " + target + " could not be called", e);
    }
    if (errno != 0) {
      String hint =
          errno == Libc.EPERM ? " (needs CAP_SYS_ADMIN: run the container privileged)" : "";
      throw new IOException(
          "mount " + type + " at " + target + " failed: " + Libc.describe(errno) + hint);
    }
  }

  /**
   * Unmounts {@code target}. A busy mount is detached lazily (kubelet must be able to finish the
   * pod's teardown); a path that is not a mount point is reported as {@code false}.
   */
  public static boolean unmount(Path target) throws IOException {
    int errno = umount2(target, 0);
    if (errno == Libc.EBUSY) {
      errno = umount2(target, MNT_DETACH);
    }
    if (errno == 0) {
      return true;
    }
    if (errno == Libc.EINVAL || errno == Libc.ENOENT) {
      return false;
    }
    throw new ErrnoException("unmount", target.toString(), errno);
  }

  private static int umount2(Path target, int flags) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
      return result == 0 ? 0 : Libc.errno(state);
    } catch (Throwable e) {
      throw new IOException("unmount " + target + " could not be called", e);
    }
  }
}
