// The `stylize` command and ImageMagick delegate (share/delegates.xml runs it): its code is the
// StylizeCommandLine library, so that tests can reach the command's parsing and settings.
import StylizeCommandLine

StylizeProgram.main()
