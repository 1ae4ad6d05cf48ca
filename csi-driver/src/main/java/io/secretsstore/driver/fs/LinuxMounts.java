package io.secretsstore.driver.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * {@code mount(2)} and {@code umount2(2)} through the FFM API: the driver image needs no {@code
 * mount} binary and errors come back as errno, not as parsed command output.
 */
public final class LinuxMounts {

  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final long MS_NOEXEC = 8;
  static final int MNT_DETACH = 2;

  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EBUSY = 16;
  static final int EINVAL = 22;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle MOUNT =
      downcall(
          "mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle UMOUNT2 =
      downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("strerror").orElseThrow(),
          FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private LinuxMounts() {}

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().find(name).orElseThrow(),
        descriptor,
        Linker.Option.captureCallState("errno"));
  }

  /**
   * Mounts a tmpfs of at most {@code sizeBytes} at {@code target}: no set-uid, no devices, no
   * executables; the root directory mode is {@code 0755} so any pod user can read its files.
   */
  public static void mountTmpfs(Path target, long sizeBytes) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int result =
          (int)
              MOUNT.invokeExact(
                  state,
                  arena.allocateFrom("tmpfs"),
                  arena.allocateFrom(target.toString()),
                  arena.allocateFrom("tmpfs"),
                  MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  arena.allocateFrom("size=" + sizeBytes + ",mode=0755"));
      if (result != 0) {
        int errno = (int) ERRNO.get(state, 0L);
        throw new IOException(
            "mount tmpfs at "
                + target
                + " failed: "
                + describe(errno)
                + (errno == EPERM ? " (the driver needs CAP_SYS_ADMIN: run it privileged)" : ""));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("mount tmpfs at " + target + " failed", e);
    }
  }

  /**
   * Unmounts {@code target}. A busy mount is detached lazily (kubelet must be able to finish the
   * pod's teardown); a path that is not a mount point is reported as {@code false}.
   */
  public static boolean unmount(Path target) throws IOException {
    int errno = umount2(target, 0);
    if (errno == EBUSY) {
      errno = umount2(target, MNT_DETACH);
    }
    if (errno == 0) {
      return true;
    }
    if (errno == EINVAL || errno == ENOENT) {
      return false;
    }
    throw new IOException("unmount " + target + " failed: " + describe(errno));
  }

  private static int umount2(Path target, int flags) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      int result = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
      return result == 0 ? 0 : (int) ERRNO.get(state, 0L);
    } catch (Throwable e) {
      throw new IOException("unmount " + target + " failed", e);
    }
  }

  static String describe(int errno) {
    try {
      MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
      // strerror's messages are short; 256 bytes bounds the read of the C string.
      return message.reinterpret(256).getString(0) + " (errno " + errno + ")";
    } catch (Throwable e) {
      return "errno " + errno;
    }
  }
}
