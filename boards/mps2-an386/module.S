/* The module, embedded in flash. MODULE_PATH is given by the build (tools/build-mps2.sh). */
    .section .rodata.est_module, "a"
    .balign 8
    .global est_module
    .global est_module_end
est_module:
    .incbin MODULE_PATH
est_module_end:
