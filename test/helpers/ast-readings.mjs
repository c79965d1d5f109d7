// What dockerfile-ast says of each instruction of a Dockerfile, as plain data: test/dockerfile-ast-arguments.test.ts
// compares it with and without dock2nix's memory of instruction arguments (src/dockerfile/ast-arguments.ts).
// Plain JavaScript, so a child `node` process reads with the unchanged library.
import { DockerfileParser } from 'dockerfile-ast';

const range = (r) => (r ? [r.start.line, r.start.character, r.end.line, r.end.character] : null);
const args = (list) => list.map((a) => [a.getValue(), range(a.getRange())]);

function reading(instruction) {
  const read = {
    keyword: instruction.getKeyword(),
    arguments: args(instruction.getArguments()),
    again: args(instruction.getArguments()), // a second call must give the same (flags are shifted off a copy)
    content: instruction.getArgumentsContent(),
    raw: instruction.getRawArgumentsContent(),
    range: range(instruction.getArgumentsRange()),
    ranges: instruction.getArgumentsRanges().map(range),
  };
  if (typeof instruction.getFlags === 'function') read.flags = instruction.getFlags().map((f) => [f.getName(), f.getValue(), range(f.getRange())]);
  if (typeof instruction.getJSONStrings === 'function')
    read.json = instruction.getJSONStrings().map((s) => [s.getValue(), s.getJSONValue(), range(s.getRange())]);
  if (typeof instruction.getHeredocs === 'function')
    read.heredocs = instruction.getHeredocs().map((h) => [h.getName(), h.getContentRange() && range(h.getContentRange())]);
  if (typeof instruction.getTriggerInstruction === 'function') {
    const trigger = instruction.getTriggerInstruction();
    read.trigger = trigger ? reading(trigger) : null;
  }
  if (typeof instruction.getProperties === 'function')
    read.properties = instruction.getProperties().map((p) => [p.getName(), p.getValue(), range(p.getRange())]);
  if (typeof instruction.getImageName === 'function') {
    // FROM's readers move the ranges of the tokens they are given: asked twice, they must answer alike.
    const image = () => [
      instruction.getImageName(),
      instruction.getImageTag(),
      instruction.getImageDigest(),
      instruction.getRegistry(),
      instruction.getBuildStage(),
      range(instruction.getImageNameRange()),
      range(instruction.getRegistryRange()),
      range(instruction.getImageTagRange()),
    ];
    read.image = [image(), image(), instruction.getRawArgumentsContent()];
  }
  if (typeof instruction.getVariables === 'function') read.variables = instruction.getVariables().map((v) => [v.getName(), range(v.getRange())]);
  return read;
}

/** Each instruction's reading, in order; `parse` is dockerfile-ast's own unless another is given. */
export function astReadings(text, parse = (t) => DockerfileParser.parse(t)) {
  return parse(text).getInstructions().map(reading);
}
