/*
 * The JVM bundle's system calls for the injector (io.secretsstore.injector.exec.BundleSyscall):
 * command lookup, descriptors, signal mask, execve, and the watch modes' child (posix_spawn, wait4). The same calls through FFM cost
 * the start about 60 generated method-handle classes (the downcall and the memory-segment access
 * behind it), which no AOT cache of JDK 25 keeps, and more time than everything else the injector
 * does after the JVM is up. Without this library (a plain jar, a native image) the injector makes the
 * same calls through FFM.
 *
 * Built by build-bundle.sh with the build machine's C compiler against the JDK's jni.h. Every
 * function returns 0 or a positive errno unless it says otherwise; nothing here logs or keeps data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define JNI_NAME(name) Java_io_secretsstore_injector_exec_BundleSyscall_##name

/* A NUL-terminated copy of a byte[] (NULL when out of memory). */
static char *c_string(JNIEnv *env, jbyteArray bytes) {
  jsize length = (*env)->GetArrayLength(env, bytes);
  char *text = malloc((size_t) length + 1);
  if (text != NULL) {
    (*env)->GetByteArrayRegion(env, bytes, 0, length, (jbyte *) text);
    text[length] = '\0';
  }
  return text;
}

static void free_strings(char **strings) {
  if (strings != NULL) {
    for (char **s = strings; *s != NULL; s++) {
      free(*s);
    }
    free(strings);
  }
}

/* A NULL-terminated char *[] from a byte[][] (NULL when out of memory). */
static char **c_strings(JNIEnv *env, jobjectArray values) {
  jsize count = (*env)->GetArrayLength(env, values);
  char **strings = calloc((size_t) count + 1, sizeof(char *));
  if (strings == NULL) {
    return NULL;
  }
  for (jsize i = 0; i < count; i++) {
    jbyteArray value = (jbyteArray) (*env)->GetObjectArrayElement(env, values, i);
    strings[i] = c_string(env, value);
    (*env)->DeleteLocalRef(env, value);
    if (strings[i] == NULL) {
      free_strings(strings);
      return NULL;
    }
  }
  return strings;
}

/* A system call with scalar arguments: its result, or minus the errno when it failed. */
JNIEXPORT jlong JNICALL JNI_NAME(syscall)(JNIEnv *env, jclass type, jlong number, jlong a, jlong b,
                                         jlong c, jlong d) {
  (void) env;
  (void) type;
  long result = syscall((long) number, (long) a, (long) b, (long) c, (long) d);
  return result == -1 ? -(jlong) errno : (jlong) result;
}

/* execve(2); returns only when it failed, with the errno. */
JNIEXPORT jint JNICALL JNI_NAME(execve)(JNIEnv *env, jclass type, jbyteArray path,
                                       jobjectArray argv, jobjectArray envp) {
  (void) type;
  char *file = c_string(env, path);
  char **arguments = c_strings(env, argv);
  char **environment = c_strings(env, envp);
  int error = ENOMEM;
  if (file != NULL && arguments != NULL && environment != NULL) {
    execve(file, arguments, environment);
    error = errno;
  }
  free(file);
  free_strings(arguments);
  free_strings(environment);
  return error;
}

/* access(2) with the given mode: 0 or the errno. */
JNIEXPORT jint JNICALL JNI_NAME(access)(JNIEnv *env, jclass type, jbyteArray path, jint mode) {
  (void) type;
  char *file = c_string(env, path);
  if (file == NULL) {
    return ENOMEM;
  }
  int error = access(file, (int) mode) == 0 ? 0 : errno;
  free(file);
  return error;
}

/* True when the path opens as a directory. */
JNIEXPORT jboolean JNICALL JNI_NAME(isDirectory)(JNIEnv *env, jclass type, jbyteArray path) {
  (void) type;
  char *file = c_string(env, path);
  if (file == NULL) {
    return JNI_FALSE;
  }
  int fd = open(file, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(file);
  if (fd < 0) {
    return JNI_FALSE;
  }
  close(fd);
  return JNI_TRUE;
}

/* Unblocks every signal for the calling thread (the kernel's 64-bit mask, as the FFM path does). */
JNIEXPORT jint JNICALL JNI_NAME(clearSignalMask)(JNIEnv *env, jclass type) {
  (void) env;
  (void) type;
  unsigned long long empty = 0;
  return syscall(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, &empty, NULL, sizeof empty) == 0 ? 0
                                                                                            : errno;
}

/* The C library's message for an errno (the C locale's: English). */
JNIEXPORT jstring JNICALL JNI_NAME(strerror)(JNIEnv *env, jclass type, jint error) {
  (void) type;
  char buffer[256];
  return (*env)->NewStringUTF(env, strerror_r((int) error, buffer, sizeof buffer));
}

/*
 * Starts the application as a child: every signal at its default action, an empty signal mask, no
 * descriptor above 2 (glibc's closefrom action; the caller also marks them close-on-exec). Returns
 * the child's pid, or minus the errno when it could not be started.
 */
JNIEXPORT jint JNICALL JNI_NAME(spawn)(JNIEnv *env, jclass type, jbyteArray path, jobjectArray argv,
                                      jobjectArray envp) {
  (void) type;
  char *file = c_string(env, path);
  char **arguments = c_strings(env, argv);
  char **environment = c_strings(env, envp);
  int result = ENOMEM;
  pid_t pid = 0;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  sigset_t empty, all;
  if (file != NULL && arguments != NULL && environment != NULL &&
      (result = posix_spawnattr_init(&attributes)) == 0) {
    sigemptyset(&empty);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if ((result = posix_spawn_file_actions_init(&actions)) == 0) {
      posix_spawn_file_actions_addclosefrom_np(&actions, 3);
      result = posix_spawn(&pid, file, &actions, &attributes, arguments, environment);
      posix_spawn_file_actions_destroy(&actions);
    }
    posix_spawnattr_destroy(&attributes);
  }
  free(file);
  free_strings(arguments);
  free_strings(environment);
  return result == 0 ? (jint) pid : -(jint) result;
}

/*
 * Waits for any child (wait4(-1)), which also reaps orphans re-parented to us as PID 1: the pid in
 * the upper 32 bits and the raw wait status in the lower, or minus the errno (ECHILD: no children).
 */
JNIEXPORT jlong JNICALL JNI_NAME(waitAny)(JNIEnv *env, jclass type) {
  (void) env;
  (void) type;
  int status = 0;
  pid_t pid;
  do {
    pid = wait4(-1, &status, 0, NULL);
  } while (pid < 0 && errno == EINTR);
  return pid < 0 ? -(jlong) errno : ((jlong) pid << 32) | (jlong) (unsigned int) status;
}
