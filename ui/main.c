#include <stdio.h>
int main(void)
{
    fputs("tlsscope: not built yet\n", stderr);
    return 2;
}
