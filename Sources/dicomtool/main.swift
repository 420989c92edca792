import DicomToolCLI
#if canImport(Glibc)
import Glibc
#endif

exit(DicomTool.main(CommandLine.arguments))
