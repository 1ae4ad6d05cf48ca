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
 * {@code mount(2)}, {@code umount2(2)} and the mount API's {@code open_tree(2)}, {@code
 * mount_setattr(2)}, {@code move_mount(2)}: no {@code mount} binary in the image, and errors come
 * back as errno, not as parsed command output.
 */
public final class Mounts {

  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_PRIVATE = 1 << 18;
  public static final long MS_SHARED = 1 << 20;
  static final int MNT_DETACH = 2;

  /** {@code mount_setattr(2)}'s flags ({@code struct mount_attr.attr_set}). */
  public static final long MOUNT_ATTR_RDONLY = 0x1;

  public static final long MOUNT_ATTR_NOSUID = 0x2;
  public static final long MOUNT_ATTR_NODEV = 0x4;
  public static final long MOUNT_ATTR_NOEXEC = 0x8;

  // The mount API's system calls have the same numbers on every architecture (since Linux 5.1).
  static final long SYS_OPEN_TREE = 428;
  static final long SYS_MOVE_MOUNT = 429;
  static final long SYS_MOUNT_SETATTR = 442;
  static final long OPEN_TREE_CLONE = 1;
  static final long OPEN_TREE_CLOEXEC = 02000000;
  static final long AT_FDCWD = -100;
  static final long AT_EMPTY_PATH = 0x1000;
  static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;
  static final int ENOSYS = 38;

  /**
   * {@code struct mount_attr}: attr_set, attr_clr, propagation, userns_fd (MOUNT_ATTR_SIZE_VER0).
   */
  static final long MOUNT_ATTR_SIZE = 32;

  private static final MethodHandle MOUNT =
      Libc.withErrno(
          "mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle UMOUNT2 =
      Libc.withErrno("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

  /**
   * {@code syscall(2)} with three and with five arguments after the number (every argument passed
   * as a full register: {@code long} or a pointer), so no glibc wrapper is needed (glibc has them
   * only since 2.36).
   */
  private static final MethodHandle SYSCALL3 =
      Libc.variadicWithErrno(
          "syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), 1);

  private static final MethodHandle SYSCALL5 =
      Libc.variadicWithErrno(
          "syscall",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG),
          1);

  private static final MethodHandle CLOSE =
      Libc.plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

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
   * Bind-mounts {@code source} (not recursively) at {@code target} with the mount flags {@code
   * attributes} ({@code MOUNT_ATTR_*}) set <em>before</em> the mount is attached: {@code
   * open_tree(OPEN_TREE_CLONE)} makes a detached copy, {@code mount_setattr} sets the flags on it,
   * {@code move_mount} attaches it. When {@code target} is under a shared mount (kubelet's
   * directory, mounted {@code Bidirectional} into a node plugin), every copy that propagates to the
   * peers (the host, and from there the container runtime) is a clone of the attached mount and so
   * carries these flags. The classic {@code MS_BIND} followed by {@code MS_REMOUNT} cannot do this:
   * the remount changes only the mount in the caller's namespace, after its plain copies have
   * already propagated.
   */
  public static void bind(Path source, Path target, long attributes) throws IOException {
    String subject = source + " at " + target;
    long tree;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      tree =
          (long)
              SYSCALL3.invokeExact(
                  state,
                  SYS_OPEN_TREE,
                  AT_FDCWD,
                  arena.allocateFrom(source.toString()),
                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      if (tree < 0) {
        throw mountApiFailure("open_tree", source.toString(), Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("open_tree " + source + " could not be called", e);
    }
    // Until move_mount attaches it, the tree is detached: closing its descriptor frees it.
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment attr = arena.allocate(MOUNT_ATTR_SIZE, 8);
      attr.set(JAVA_LONG, 0, attributes); // attr_set; attr_clr, propagation, userns_fd stay 0
      MemorySegment empty = arena.allocateFrom("");
      long result =
          (long)
              SYSCALL5.invokeExact(
                  state, SYS_MOUNT_SETATTR, tree, empty, AT_EMPTY_PATH, attr, MOUNT_ATTR_SIZE);
      if (result != 0) {
        throw mountApiFailure("mount_setattr", subject, Libc.errno(state));
      }
      result =
          (long)
              SYSCALL5.invokeExact(
                  state,
                  SYS_MOVE_MOUNT,
                  tree,
                  empty,
                  AT_FDCWD,
                  arena.allocateFrom(target.toString()),
                  MOVE_MOUNT_F_EMPTY_PATH);
      if (result != 0) {
        throw mountApiFailure("move_mount", subject, Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("bind " + subject + " could not be called", e);
    } finally {
      close((int) tree);
    }
  }

  /**
   * Makes the mount at {@code target} {@link #MS_SHARED} or {@link #MS_PRIVATE} (or with {@link
   * #MS_REC}).
   */
  public static void setPropagation(Path target, long type) throws IOException {
    mount("none", target, null, type, null);
  }

  private static IOException mountApiFailure(String call, String subject, int errno) {
    if (errno == ENOSYS) {
      return new IOException(
          call
              + " "
              + subject
              + " failed: this kernel ("
              + System.getProperty("os.version")
              + ") has no "
              + call
              + " system call (Linux 5.12+ has the mount API used here)");
    }
    if (errno == Libc.EPERM) {
      return new IOException(
          call
              + " "
              + subject
              + " failed: "
              + Libc.describe(errno)
              + " (needs CAP_SYS_ADMIN: run the container privileged)");
    }
    return new ErrnoException(call, subject, errno);
  }

  private static void close(int fd) {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable e) {
      // Nothing to do: the descriptor is gone either way.
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
