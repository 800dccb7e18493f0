// Laid out against .clang-format on purpose: the format check must fail on this file.
int   misformatted( int a,int b ){return a+b ;}
