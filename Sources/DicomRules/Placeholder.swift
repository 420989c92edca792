import DicomCore
import Crypto
