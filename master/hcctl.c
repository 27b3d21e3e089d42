#include "hcd.h"
int main(void) { return 0; }
