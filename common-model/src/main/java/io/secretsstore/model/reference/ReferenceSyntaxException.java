package io.secretsstore.model.reference;

/**
 * A malformed {@code secrets-store:} reference. The message says what is wrong and where (a 0-based
 * character position in the value); it contains the reference text at most, never a secret value.
 */
public final class ReferenceSyntaxException extends IllegalArgumentException {

  private final int position;
  private final String problem;

  public ReferenceSyntaxException(String problem, int position) {
    super(problem + " (at position " + position + ")");
    this.problem = problem;
    this.position = position;
  }

  /** 0-based index of the offending character in the parsed value. */
  public int position() {
    return position;
  }

  /** The message without the position. */
  public String problem() {
    return problem;
  }
}
