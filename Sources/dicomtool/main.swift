import DicomToolCLI
import Foundation

exit(DicomTool.main(CommandLine.arguments))
