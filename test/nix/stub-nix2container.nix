# A stand-in for nix2container's buildImage (argument names from nlewo/nix2container default.nix).
let
  inherit (builtins) attrNames concatStringsSep elem filter;
  fail = message: throw "stub-nix2container: ${message}";
  allowed = [ "name" "tag" "config" "layers" "copyToRoot" "fromImage" "arch" "perms" "maxLayers" "initializeNixDatabase" "nixUid" "nixGid" "created" "contents" "meta" ];
  ociKeys = [ "User" "ExposedPorts" "Env" "Entrypoint" "Cmd" "Volumes" "WorkingDir" "Labels" "StopSignal" "ArgsEscaped" ];
  checkKeys = what: keys: set:
    let unknown = filter (n: !(elem n keys)) (attrNames set);
    in if unknown != [ ] then fail "${what} does not take ${concatStringsSep ", " unknown}" else set;
in
{
  buildImage = args:
    let
      a = checkKeys "buildImage" allowed args;
      config = checkKeys "buildImage config (OCI ImageConfig)" ociKeys (a.config or { });
      perms = map (p: checkKeys "perms entry" [ "path" "regex" "mode" "uid" "gid" "uname" "gname" ] p) (a.perms or [ ]);
    in
    if !(a ? name) then fail "buildImage needs name"
    else builtins.seq (builtins.toJSON config) (builtins.seq (builtins.length perms) {
      type = "derivation";
      name = "image-${a.name}.json";
      outPath = "/nix/store/00000000000000000000000000000000-image-${a.name}.json";
      imageArgs = a;
    });
}
