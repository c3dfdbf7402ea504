module estoscore.local/upstream-est

go 1.13

require github.com/globalsign/est v1.0.6
