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
  # default.nix pullImage: { imageName, imageDigest, sha256, os ? "linux", arch ? go.GOARCH, tlsVerify ? true, name ? … }
  # (no tag, no `hash`: sha256 is the NAR hash of the pulled `dir:` copy).
  pullImage = args:
    let
      a = checkKeys "pullImage" [ "imageName" "imageDigest" "sha256" "os" "arch" "tlsVerify" "name" ] args;
      missing = filter (n: !(a ? ${n})) [ "imageName" "imageDigest" "sha256" ];
    in
    if missing != [ ] then fail "pullImage needs ${concatStringsSep ", " missing}"
    else if builtins.match "sha256:[0-9a-f]{64}" a.imageDigest == null then fail "pullImage: imageDigest is not sha256:<64 hex>"
    else {
      type = "derivation";
      name = "nix2container-${a.imageName}.json";
      outPath = "/nix/store/00000000000000000000000000000000-nix2container-pulled.json";
      pullArgs = a;
    };
  # default.nix buildLayer: { deps ? [], copyToRoot ? null, ignore ? null, layers ? [], reproducible ? true,
  # perms ? [], maxLayers ? 1, contents ? null, metadata ? { created_by = "nix2container"; } }.
  buildLayer = args:
    let a = checkKeys "buildLayer" [ "deps" "copyToRoot" "ignore" "layers" "reproducible" "perms" "maxLayers" "contents" "metadata" ] args;
    in
    if !(builtins.isList (a.deps or [ ])) then fail "buildLayer: deps must be a list"
    else builtins.seq (builtins.length (a.deps or [ ])) {
      type = "derivation";
      name = "layers.json";
      outPath = "/nix/store/00000000000000000000000000000000-layers.json";
      layerArgs = a;
    };
  buildImage = args:
    let
      a = checkKeys "buildImage" allowed args;
      config = checkKeys "buildImage config (OCI ImageConfig)" ociKeys (a.config or { });
      perms = map (p: checkKeys "perms entry" [ "path" "regex" "mode" "uid" "gid" "uname" "gname" ] p) (a.perms or [ ]);
    in
    if !(a ? name) then fail "buildImage needs name"
    else if a ? fromImage && !(builtins.isAttrs a.fromImage && a.fromImage ? outPath) then fail "buildImage: fromImage must be a pulled image"
    else if !(builtins.all (l: builtins.isAttrs l && l ? layerArgs) (a.layers or [ ])) then fail "buildImage: layers must be made by buildLayer"
    else builtins.seq (builtins.toJSON config) (builtins.seq (builtins.length perms) {
      type = "derivation";
      name = "image-${a.name}.json";
      outPath = "/nix/store/00000000000000000000000000000000-image-${a.name}.json";
      imageArgs = a;
    });
}
