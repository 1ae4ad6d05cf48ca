package io.secretsstore.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An open directory, and file operations relative to it ({@code openat}, {@code mkdirat}, {@code
 * symlinkat}, {@code renameat}, {@code unlinkat}, {@code readlinkat}) that never follow a symlink
 * in the name they act on. A directory whose content someone else may change (a volume a pod can
 * see) is only ever touched this way: a planted symlink makes the operation fail instead of
 * redirecting it elsewhere.
 *
 * <p>Names are single path components; anything with a {@code /}, or {@code .}/{@code ..}, is
 * refused before a system call is made.
 */
public final class Directory implements AutoCloseable {

  static final int AT_FDCWD = -100;
  static final int AT_REMOVEDIR = 0x200;
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_CLOEXEC = 02000000;
  static final int O_NONBLOCK = 04000;

  /** These two differ between x86-64 and arm64. */
  static final int O_DIRECTORY = isArm64() ? 040000 : 0200000;

  static final int O_NOFOLLOW = isArm64() ? 0100000 : 0400000;

  private static final MethodHandle OPENAT =
      Libc.variadicWithErrno(
          "openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
  private static final MethodHandle MKDIRAT =
      Libc.withErrno("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SYMLINKAT =
      Libc.withErrno("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
  private static final MethodHandle RENAMEAT =
      Libc.withErrno(
          "renameat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
  private static final MethodHandle UNLINKAT =
      Libc.withErrno("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle READLINKAT =
      Libc.withErrno(
          "readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
  private static final MethodHandle FCHMOD =
      Libc.withErrno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle FCHOWN =
      Libc.withErrno("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle WRITE =
      Libc.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle READ =
      Libc.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle CLOSE =
      Libc.plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private final int fd;
  private final String path;
  private boolean closed;

  private Directory(int fd, String path) {
    this.fd = fd;
    this.path = path;
  }

  /**
   * Opens {@code path} as a directory. Its last component must be a real directory, not a symlink;
   * the components above it are resolved normally (they belong to whoever chose the path, e.g.
   * kubelet).
   */
  public static Directory open(Path path) throws IOException {
    String text = path.toString();
    int fd = openat(AT_FDCWD, text, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, text);
    return new Directory(fd, text);
  }

  /** Opens the real directory {@code name} in this one; a symlink or a file is refused. */
  public Directory openDirectory(String name) throws IOException {
    check(name);
    int child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, at(name));
    return new Directory(child, at(name));
  }

  /** Creates the directory {@code name} with exactly {@code mode} (the umask does not apply). */
  public void createDirectory(String name, int mode) throws IOException {
    check(name);
    call(MKDIRAT, "mkdir", at(name), fd, name, mode);
    try (Directory created = openDirectory(name)) {
      created.chmod(mode);
    }
  }

  /**
   * Creates the file {@code name} (it must not exist, and a symlink in its place is not followed)
   * with exactly {@code mode}, set on the open file before anything is written, then writes {@code
   * contents}.
   */
  public void createFile(String name, int mode, byte[] contents) throws IOException {
    check(name);
    int file =
        openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode, at(name));
    try {
      // open(2) applies the umask; fchmod sets the mode asked for, still before any content.
      callFd(FCHMOD, "chmod", at(name), file, mode);
      writeAll(file, contents, at(name));
    } finally {
      close(file);
    }
  }

  /**
   * Reads the file {@code name}: a symlink is refused ({@code ELOOP}), a FIFO does not block (it
   * reads as empty), and more than {@code maxBytes} fails without reading the rest.
   */
  public byte[] readFile(String name, int maxBytes) throws IOException {
    check(name);
    int file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0, at(name));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      // One byte more than allowed tells a file that is too large from one that fits exactly.
      MemorySegment buffer = arena.allocate(maxBytes + 1L);
      long total = 0;
      while (total <= maxBytes) {
        long read =
            (long) READ.invokeExact(state, file, buffer.asSlice(total), maxBytes + 1L - total);
        if (read < 0) {
          throw new ErrnoException("read", at(name), Libc.errno(state));
        }
        if (read == 0) {
          break;
        }
        total += read;
      }
      if (total > maxBytes) {
        throw new IOException(at(name) + " is larger than " + maxBytes + " bytes");
      }
      return buffer.asSlice(0, total).toArray(JAVA_BYTE);
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("read " + at(name) + " could not be called", e);
    } finally {
      close(file);
    }
  }

  /** Creates the symlink {@code name} pointing to {@code target} (relative targets stay so). */
  public void symlink(String name, String target) throws IOException {
    check(name);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result =
          (int)
              SYMLINKAT.invokeExact(
                  state, arena.allocateFrom(target), fd, arena.allocateFrom(name));
      if (result != 0) {
        throw new ErrnoException("symlink", at(name), Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("symlink " + at(name) + " could not be called", e);
    }
  }

  /** Renames {@code from} to {@code to} in this directory, replacing {@code to} atomically. */
  public void rename(String from, String to) throws IOException {
    check(from);
    check(to);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result =
          (int)
              RENAMEAT.invokeExact(state, fd, arena.allocateFrom(from), fd, arena.allocateFrom(to));
      if (result != 0) {
        throw new ErrnoException("rename", at(from) + " to " + to, Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("rename " + at(from) + " could not be called", e);
    }
  }

  /** The target of the symlink {@code name}, or empty if there is none or it is no symlink. */
  public Optional<String> readLink(String name) throws IOException {
    check(name);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment buffer = arena.allocate(4096);
      long length =
          (long) READLINKAT.invokeExact(state, fd, arena.allocateFrom(name), buffer, 4096L);
      if (length < 0) {
        int errno = Libc.errno(state);
        if (errno == Libc.ENOENT || errno == Libc.EINVAL) {
          return Optional.empty();
        }
        throw new ErrnoException("readlink", at(name), errno);
      }
      byte[] bytes = buffer.asSlice(0, length).toArray(JAVA_BYTE);
      return Optional.of(new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("readlink " + at(name) + " could not be called", e);
    }
  }

  /** Removes the file or symlink {@code name}; false if there was none. */
  public boolean deleteFile(String name) throws IOException {
    return unlink(name, 0);
  }

  /** Removes the empty directory {@code name}; false if there was none. */
  public boolean deleteDirectory(String name) throws IOException {
    return unlink(name, AT_REMOVEDIR);
  }

  /** Sets this directory's mode. */
  public void chmod(int mode) throws IOException {
    callFd(FCHMOD, "chmod", path, fd, mode);
  }

  /** Sets this directory's owner and group (numeric ids; needs root to give it away). */
  public void chown(int uid, int gid) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result = (int) FCHOWN.invokeExact(state, fd, uid, gid);
      if (result != 0) {
        throw new ErrnoException("chown", path, Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("chown " + path + " could not be called", e);
    }
  }

  /**
   * The names in this directory (without {@code .} and {@code ..}), read through the open handle
   * ({@code /proc/self/fd}), so a rename of the path meanwhile does not change what is listed.
   */
  public List<String> names() throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(Path.of("/proc/self/fd", Integer.toString(fd)))) {
      for (Path entry : entries) {
        names.add(entry.getFileName().toString());
      }
    }
    return names;
  }

  public String path() {
    return path;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      close(fd);
    }
  }

  private boolean unlink(String name, int flags) throws IOException {
    check(name);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result = (int) UNLINKAT.invokeExact(state, fd, arena.allocateFrom(name), flags);
      if (result == 0) {
        return true;
      }
      int errno = Libc.errno(state);
      if (errno == Libc.ENOENT) {
        return false;
      }
      throw new ErrnoException(flags == AT_REMOVEDIR ? "rmdir" : "unlink", at(name), errno);
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("unlink " + at(name) + " could not be called", e);
    }
  }

  private static int openat(int dirfd, String name, int flags, int mode, String described)
      throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result = (int) OPENAT.invokeExact(state, dirfd, arena.allocateFrom(name), flags, mode);
      if (result < 0) {
        throw new ErrnoException("open", described, Libc.errno(state));
      }
      return result;
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("open " + described + " could not be called", e);
    }
  }

  private static void call(
      MethodHandle handle, String call, String described, int dirfd, String name, int mode)
      throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result = (int) handle.invokeExact(state, dirfd, arena.allocateFrom(name), mode);
      if (result != 0) {
        throw new ErrnoException(call, described, Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException(call + " " + described + " could not be called", e);
    }
  }

  private static void callFd(
      MethodHandle handle, String call, String described, int fd, int argument) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      int result = (int) handle.invokeExact(state, fd, argument);
      if (result != 0) {
        throw new ErrnoException(call, described, Libc.errno(state));
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException(call + " " + described + " could not be called", e);
    }
  }

  private static void writeAll(int fd, byte[] contents, String described) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libc.callState(arena);
      MemorySegment data = arena.allocate(Math.max(1, contents.length));
      MemorySegment.copy(contents, 0, data, JAVA_BYTE, 0, contents.length);
      long offset = 0;
      while (offset < contents.length) {
        long written =
            (long)
                WRITE.invokeExact(state, fd, data.asSlice(offset), (long) contents.length - offset);
        if (written < 0) {
          throw new ErrnoException("write", described, Libc.errno(state));
        }
        offset += written;
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("write " + described + " could not be called", e);
    }
  }

  private static void close(int fd) {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable e) {
      // Nothing to do: the descriptor is gone either way.
    }
  }

  private String at(String name) {
    return path + "/" + name;
  }

  private static void check(String name) {
    if (name == null
        || name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.indexOf('/') >= 0
        || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("not a single file name: '" + name + "'");
    }
  }

  private static boolean isArm64() {
    String arch = System.getProperty("os.arch", "");
    return arch.equals("aarch64") || arch.equals("arm64");
  }
}
