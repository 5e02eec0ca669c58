import StyleKernel

/// `stylize --generate-completion-script bash|zsh|fish`: ArgumentParser's script with what it
/// cannot know added. ArgumentParser completes the commands and options it declares; stylize also
/// has the engine's options (the option table's rows, carried past ArgumentParser by
/// EngineOptionFlags) and a default command (`stylize photo.jpg -s …` is `stylize run photo.jpg
/// -s …`), which its scripts do not complete. Each shell's addition wraps ArgumentParser's
/// completion function: words of the default command are completed as `run`'s, the engine
/// options are offered beside `run`'s own (with their fixed values, and file names where a value
/// may be a path), and an engine option with its value is taken out of the words before
/// ArgumentParser's function sees them. `make install` writes the scripts from the installed
/// command, so they always match it.
enum CompletionScripts {
    /// The first words that are not the default command's.
    static let ownFirstWords = ["run", "model", "help", "--version", "-h", "--help"]

    /// ArgumentParser's `script` with stylize's addition for its shell (told apart by how each
    /// script begins); any other text unchanged.
    static func completed(_ script: String) -> String {
        if script.hasPrefix("#!/bin/bash") { return script + bash }
        if script.hasPrefix("#compdef") { return zsh(script) }
        if script.hasPrefix("function ") { return script + fish(script) }
        return script
    }

    /// A row's fixed values (`lbfgs|adam`: both), and whether its value may be a file (`PATH`).
    static func values(_ spec: OptionSpec) -> (words: [String], files: Bool) {
        let parts = spec.valueName.split(separator: "|").map(String.init)
        guard parts.count > 1 else { return ([], false) }
        // Upper-case parts (N, PATH) name a value, the others are the value itself.
        return (parts.filter { $0.uppercased() != $0 }, parts.contains("PATH"))
    }

    static var engineFlags: String { OptionTable.all.map { "--" + $0.name }.joined(separator: " ") }

    static func shellQuoted(_ s: String) -> String { "'" + s.replacing("'", with: "'\\''") + "'" }

    // MARK: bash

    static var bash: String {
        var valueCases = ""
        for spec in OptionTable.all {
            let (words, files) = values(spec)
            guard !words.isEmpty || files else { continue }
            valueCases += "    --\(spec.name))"
            if !words.isEmpty {
                valueCases += " COMPREPLY+=($(compgen -W \(shellQuoted(words.joined(separator: " "))) -- \"${cur}\"));"
            }
            valueCases += (files ? " __stylize_add_completions -f;" : "") + " ;;\n"
        }
        return """

            # stylize's additions (see CompletionScripts.swift): the engine options and the default
            # command, whose words are completed as those of `stylize run`.
            __stylize_engine_options=(\(engineFlags))

            __stylize_is_engine_option() {
                [[ " ${__stylize_engine_options[*]} " == *" ${1%%=*} "* ]]
            }

            __stylize_engine_values() {
                case "${1}" in
            \(valueCases)    esac
            }

            _stylize_with_engine_options() {
                local cur="${2}"
                local -a words=("${COMP_WORDS[0]}")
                local -i i=1
                # The default command's: a first word that is no subcommand or root option, and
                # an option being typed as the first word.
                if [[ "${COMP_CWORD}" -gt 1 && " \(ownFirstWords.joined(separator: " ")) " != *" ${COMP_WORDS[1]} "* ]] \
                    || [[ "${COMP_CWORD}" -eq 1 && "${cur}" == -* ]]; then
                    words+=(run)
                fi
                for ((; i < COMP_CWORD; i++)); do
                    if [[ "${words[1]-}" == run ]] && __stylize_is_engine_option "${COMP_WORDS[i]}"; then
                        if [[ "${COMP_WORDS[i]}" != *=* ]]; then
                            if [[ "${i}" -eq "$((COMP_CWORD - 1))" ]]; then
                                __stylize_engine_values "${COMP_WORDS[i]}"
                                return
                            fi
                            ((i++))
                        fi
                        continue
                    fi
                    words+=("${COMP_WORDS[i]}")
                done
                words+=("${cur}")
                local -a COMP_WORDS=("${words[@]}")
                local -i COMP_CWORD=$((${#words[@]} - 1))
                local COMP_LINE="${words[*]}"
                local -i COMP_POINT=${#COMP_LINE}
                _stylize "${1}" "${cur}" "${words[COMP_CWORD - 1]}"
                if [[ "${cur}" == -* && "${words[1]}" == run ]]; then
                    COMPREPLY+=($(compgen -W "${__stylize_engine_options[*]}" -- "${cur}"))
                elif [[ "${COMP_CWORD}" -eq 1 ]]; then
                    __stylize_add_completions -f
                fi
            }

            complete -o filenames -F _stylize_with_engine_options stylize

            """
    }

    // MARK: zsh

    /// ArgumentParser's `_stylize` is renamed and called by stylize's, which the script's last
    /// lines (calling `_stylize`, or `compdef _stylize stylize`) then run.
    static func zsh(_ script: String) -> String {
        let definition = "\n_stylize() {\n"
        let tail = "\nif [[ \"${funcstack[1]}\" = _stylize ]]; then"
        let renamed = script.replacing(definition, with: "\n__stylize_argumentparser() {\n")
        guard script.ranges(of: definition).count == 1, let split = renamed.ranges(of: tail).last else {
            return script  // another layout: ArgumentParser's script as it is
        }
        return String(renamed[..<split.lowerBound]) + "\n" + zshFunction + String(renamed[split.lowerBound...])
    }

    static func zshEscaped(_ s: String) -> String {
        s.replacing("\\", with: "\\\\").replacing(":", with: "\\:").replacing("'", with: "'\\''")
    }

    static var zshFunction: String {
        var described = ""
        var valueCases = ""
        for spec in OptionTable.all {
            described += "        '--\(spec.name):\(zshEscaped(spec.help))'\n"
            let (words, files) = values(spec)
            guard !words.isEmpty || files else { continue }
            valueCases += "    --\(spec.name))"
            if !words.isEmpty { valueCases += " compadd -- \(words.joined(separator: " ")) && ret=0;" }
            valueCases += (files ? " _files && ret=0;" : "") + " ;;\n"
        }
        return """
            # stylize's additions (see CompletionScripts.swift): the engine options and the default
            # command, whose words are completed as those of `stylize run`.
            __stylize_engine_values() {
                local -i ret=1
                case "${1}" in
            \(valueCases)    esac
                return "${ret}"
            }

            _stylize() {
                local -ar own_first_words=(\(ownFirstWords.joined(separator: " ")))
                local -ar engine_options=(\(engineFlags))
                local -ar engine_descriptions=(
            \(described)    )
                if ((CURRENT > 2 && ! ${own_first_words[(Ie)${words[2]}]})) \
                    || { ((CURRENT == 2)) && [[ "${words[2]}" == -* ]]; }; then
                    words=("${words[1]}" run "${(@)words[2,-1]}")
                    ((CURRENT++))
                fi
                if [[ "${words[2]}" == run ]]; then
                    local -a kept=("${(@)words[1,2]}")
                    local -i i
                    for ((i = 3; i < CURRENT; i++)); do
                        if ((${engine_options[(Ie)${words[i]%%=*}]})); then
                            if [[ "${words[i]}" != *=* ]]; then
                                if ((i == CURRENT - 1)); then
                                    __stylize_engine_values "${words[i]}"
                                    return
                                fi
                                ((i++))
                            fi
                            continue
                        fi
                        kept+=("${words[i]}")
                    done
                    words=("${(@)kept}" "${words[CURRENT]}")
                    CURRENT=${#words}
                fi
                local -i ret=1
                __stylize_argumentparser "${@}" && ret=0
                if [[ "${PREFIX}" == -* && "${words[2]}" == run ]]; then
                    _describe -V 'engine option' engine_descriptions && ret=0
                elif ((CURRENT == 2)); then
                    _files && ret=0
                fi
                return "${ret}"
            }

            """
    }

    // MARK: fish

    static func fishQuoted(_ s: String) -> String {
        "'" + s.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
    }

    /// Lines added to ArgumentParser's `script`: `run`'s options again for the default command
    /// (ArgumentParser's lines offer them after `run` only), then the engine options.
    static func fish(_ script: String) -> String {
        let runLine =
            "complete -c 'stylize' -n '__stylize_should_offer_completions_for_flags_or_options \"stylize run\""
        var lines = ""
        for line in script.split(separator: "\n") where line.hasPrefix(runLine) {
            guard let condition = line.dropFirst(runLine.count).firstRange(of: "' ") else { continue }
            let rest = line[condition.upperBound...]
            if rest.contains("-l 'version'") || rest.contains("-l 'help'") { continue }
            lines += "complete -c 'stylize' -n __stylize_default_command " + rest + "\n"
        }
        for spec in OptionTable.all {
            let (words, files) = values(spec)
            var line = "complete -c stylize -n __stylize_runs -l \(spec.name) -d \(fishQuoted(spec.help))"
            line += files ? " -r" : " -x"
            if !words.isEmpty { line += " -a \(fishQuoted(words.joined(separator: " ")))" }
            lines += line + "\n"
        }
        let others = ownFirstWords.filter { $0 != "run" }.joined(separator: " ")
        return """

            # stylize's additions (see CompletionScripts.swift): the default command's options
            # (`stylize photo.jpg -s …`), the engine options and file names wherever no other
            # command is named.
            function __stylize_runs
                set -l tokens (commandline -opc)
                not contains -- "$tokens[2]" \(others)
            end
            function __stylize_default_command
                set -l tokens (commandline -opc)
                test (count $tokens) -ge 2; and not contains -- "$tokens[2]" run \(others)
            end
            complete -c stylize -n __stylize_runs -F
            \(lines)
            """
    }
}
