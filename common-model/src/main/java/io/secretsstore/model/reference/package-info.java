/**
 * The {@code secrets-store:} reference grammar of the env injector.
 *
 * <pre>
 * value      = write | whole | inline | plain
 * whole      = "secrets-store:" path "#" ( key [ "#" version ] | template [ "#" version ] )
 * write      = ">>secrets-store:" path "#" key [ "#" json-object ]
 * inline     = { text | "${secrets-store:" path "#" key [ "#" version ] "}" }   (at least one)
 * path       = segment { "/" segment }          no leading "/", no "." or ".." segments,
 *                                               no whitespace, "#", "$", "{", "}", "?", "%"
 * key        = 1*( any char but "#", whitespace, control )
 * version    = positive decimal integer without leading zeros (fits in an int)
 * template   = { text | "$${" | action }        contains at least one action
 * action     = "${" operand { "|" function { string } } "}"
 * operand    = "." | "." name { "." name } | string        name = [A-Za-z0-9_-]+
 * function   = base64encode | base64decode | default "x" | quote | trim | upper | lower | file
 * string     = '"' { char | '\"' | '\\' | '\n' | '\t' } '"'
 * </pre>
 *
 * <p>Notes: in the template form, {@code #<digits>} at the very end, after the last {@code }}, is the
 * version; any other {@code #} is template text. {@code $${} writes a literal {@code ${}, in
 * templates and, as {@code $${secrets-store:}, in inline values. Any value that starts with neither
 * prefix and contains no {@code ${secrets-store:} is plain and passed through unchanged. Everything
 * else that is malformed is a {@link io.secretsstore.model.reference.ReferenceSyntaxException}.
 */
package io.secretsstore.model.reference;
