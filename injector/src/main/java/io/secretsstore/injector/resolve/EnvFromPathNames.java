package io.secretsstore.injector.resolve;

import java.util.Set;

/**
 * Which keys of an {@code env-from-path} secret may become variable names. Whoever can write the
 * secret must not be able to change how the application's programs load or run: the dynamic
 * loader's variables, glibc's set-uid-unsafe list, interpreter start-up hooks and the injector's
 * own settings are refused unless the pod names them in {@code VAULT_ENV_FROM_PATH_ALLOWED_NAMES}.
 */
final class EnvFromPathNames {

  /** Prefixes of refused names: the dynamic loader, and the store client settings. */
  static final Set<String> REFUSED_PREFIXES = Set.of("LD_", "VAULT_", "DYLD_");

  /** Names that make a program load other code or files, or change its search paths. */
  static final Set<String> REFUSED_NAMES =
      Set.of(
          // glibc's list of variables it drops for set-uid programs
          "GCONV_PATH",
          "GETCONF_DIR",
          "GLIBC_TUNABLES",
          "HOSTALIASES",
          "LOCALDOMAIN",
          "LOCPATH",
          "MALLOC_TRACE",
          "NIS_PATH",
          "NLSPATH",
          "RESOLV_HOST_CONF",
          "RES_OPTIONS",
          "TMPDIR",
          "TZDIR",
          // command lookup and shells
          "PATH",
          "IFS",
          "ENV",
          "BASH_ENV",
          "SHELLOPTS",
          "PS4",
          // language runtimes' start-up hooks and search paths
          "JAVA_TOOL_OPTIONS",
          "_JAVA_OPTIONS",
          "JDK_JAVA_OPTIONS",
          "CLASSPATH",
          "NODE_OPTIONS",
          "NODE_PATH",
          "PYTHONPATH",
          "PYTHONSTARTUP",
          "PYTHONHOME",
          "PYTHONINSPECT",
          "PERL5LIB",
          "PERL5OPT",
          "PERLLIB",
          "RUBYOPT",
          "RUBYLIB",
          "DOTNET_STARTUP_HOOKS",
          "GODEBUG");

  private EnvFromPathNames() {}

  /** Null if {@code name} may be a variable; otherwise why not (one clause, no value). */
  static String problem(String name, Set<String> allowed) {
    if (name.isEmpty()) {
      return "an empty key cannot be a variable name";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '=' || c < 0x20 || c == 0x7f || Character.isWhitespace(c)) {
        return "the key '"
            + printable(name)
            + "' cannot be a variable name (no '=', whitespace or control characters)";
      }
    }
    if (allowed.contains(name)) {
      return null;
    }
    boolean refused =
        REFUSED_NAMES.contains(name) || REFUSED_PREFIXES.stream().anyMatch(name::startsWith);
    return refused
        ? "the key '"
            + name
            + "' is refused as a variable name: it changes how programs load or run (allow it"
            + " with VAULT_ENV_FROM_PATH_ALLOWED_NAMES="
            + name
            + ")"
        : null;
  }

  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : c);
    }
    return out.toString();
  }
}
