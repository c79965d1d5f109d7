# A stand-in for nixpkgs, for evaluating generated Nix where no nixpkgs is installed.
#
# Builder functions check their arguments against the real function's signature (names read from nixpkgs:
# pkgs/build-support/docker/default.nix, build-npm-package, import-npm-lock, go/module.nix, maven/build-maven-package.nix,
# rust/build-rust-package, rust/import-cargo-lock.nix, lib/fileset; nix2container's default.nix). An argument the
# real function does not take, a missing required one, or a config key Docker does not know throws.
#
# Packages come from test/nix/nixpkgs-facts.json, made by scripts/gen-stub-facts.mjs from the nixpkgs index dock2nix
# ships (rules/nixpkgs-index: facts evaluated from a real nixpkgs; test/rules-facts.test.ts checks both are current). A top-level attribute exists here exactly when it
# exists in that nixpkgs, carries its version and outputs, and throws, as nixpkgs does, when it is broken,
# insecure, unfree or does not instantiate; a Python set has exactly the names of that interpreter's set in
# nixpkgs, and a name that does not instantiate for that interpreter throws.
{ factsFile ? ./nixpkgs-facts.json, rulesDir ? ../../rules }:
let
  inherit (builtins) attrNames concatStringsSep elem filter foldl' fromJSON readFile isList isString isAttrs all;

  fail = message: throw "stub-nixpkgs: ${message}";

  check = fname: allowed: required: args:
    let
      unknown = filter (n: !(elem n allowed)) (attrNames args);
      missing = filter (n: !(args ? ${n})) required;
    in
    if !(isAttrs args) then fail "${fname} takes an attribute set"
    else if unknown != [ ] then fail "${fname} does not take ${concatStringsSep ", " unknown}"
    else if missing != [ ] then fail "${fname} needs ${concatStringsSep ", " missing}"
    else args;

  fakeDrv = name: extra: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/0000000000000000000000000000000${toString (builtins.stringLength name)}-${name}";
  } // extra;

  # Arguments every stdenv.mkDerivation-based builder accepts that dock2nix may emit.
  mkDerivationArgs = [
    "pname" "version" "name" "src" "srcs" "sourceRoot" "nativeBuildInputs" "buildInputs" "propagatedBuildInputs"
    "buildPhase" "installPhase" "checkPhase" "configurePhase" "preBuild" "postBuild" "preInstall" "postInstall"
    "doCheck" "dontBuild" "dontInstall" "env" "meta" "passthru" "patches" "postPatch" "prePatch" "strictDeps"
    "dontStrip" "dontFixup" "outputs" "makeFlags" "buildFlags" "preConfigure" "postConfigure"
  ];

  checkDerivation = fname: args:
    if !(args ? pname && args ? version) && !(args ? name) then fail "${fname} needs pname and version, or name"
    else if args ? env && !(all (v: isString v || builtins.isInt v || builtins.isBool v) (builtins.attrValues args.env)) then fail "${fname}: env values must be strings, integers or booleans"
    else args;

  isStorePathLike = x: (isAttrs x && x ? outPath) || isString x || builtins.isPath x;

  # --- packages from the nixpkgs facts (test/nix/nixpkgs-facts.json, made from rules/nixpkgs-index) ----------
  facts = fromJSON (readFile factsFile);
  has = flags: letter: builtins.match ".*${letter}.*" flags != null;

  # A derivation with its outputs (openssl.dev), as nixpkgs gives it.
  packageDrv = pname: version: outputs:
    let
      base = fakeDrv "${pname}-${version}" { inherit pname version outputs; };
      outs = builtins.listToAttrs (map (o: { name = o; value = fakeDrv "${pname}-${version}-${o}" { inherit pname version; outputName = o; }; }) outputs);
    in base // outs;

  topValue = attr: record:
    let
      usable = isString record;
      flags = if usable then "" else builtins.elemAt record 0;
    in
    if usable then packageDrv attr record [ "out" ]
    else if has flags "[SFV]" then fail "${attr} is a package set, function or value of nixpkgs the stub does not model"
    else if has flags "E" then fail "${attr} could not be evaluated where the facts were made (unknown)"
    else if has flags "b" then throw "Package ${attr} is marked as broken, refusing to evaluate."
    else if has flags "s" then throw "Package ${attr} is marked as insecure, refusing to evaluate."
    else if has flags "u" then throw "Package ${attr} has an unfree license, refusing to evaluate."
    else if has flags "m" then throw "Package ${attr} is not available on x86_64-linux, refusing to evaluate."
    else if has flags "n" then throw "Package ${attr} does not instantiate in this nixpkgs."
    else packageDrv (builtins.elemAt record 1) (builtins.elemAt record 2) (builtins.elemAt record 3);

  topLevel = builtins.mapAttrs topValue facts.top;

  # Python sets: one status letter per interpreter, in pythonSets order.
  pythonSetFor = interpreter:
    let
      column = let find = i: if builtins.elemAt facts.pythonSets i == interpreter then i else find (i + 1); in find 0;
      letterOf = record: builtins.substring column 1 (builtins.head record);
      entry = name: record:
        let
          letter = letterOf record;
          version = builtins.elemAt record 1;
          pname = if builtins.length record > 2 then builtins.elemAt record 2 else name;
        in
        if letter == "y" then packageDrv pname version [ "out" "dist" ]
        else if letter == "n" then throw "${interpreter}Packages.${name} does not instantiate for ${interpreter} in this nixpkgs"
        else if letter == "b" then throw "Package ${interpreter}Packages.${name} is marked as broken, refusing to evaluate."
        else if letter == "s" then throw "Package ${interpreter}Packages.${name} is marked as insecure, refusing to evaluate."
        else if letter == "u" then throw "Package ${interpreter}Packages.${name} has an unfree license, refusing to evaluate."
        else fail "${interpreter}Packages.${name} is not a package the stub models";
      present = builtins.removeAttrs facts.python (filter (name: letterOf facts.python.${name} == "-") (attrNames facts.python));
    in
    builtins.mapAttrs entry present;

  pythonInterpreter = attr:
    let set = pythonSetFor attr;
    in topLevel.${attr} // {
      withPackages = f:
        let chosen = f set;
        in if isList chosen && all isStorePathLike chosen then fakeDrv "${attr}-env" { packages = chosen; } else fail "${attr}.withPackages must return a list of packages";
      # (No `pkgs` here: dock2nix never emits it, and forcing the image's arguments would force the whole set.)
    };
  pythons = builtins.listToAttrs (builtins.concatMap (p: [
    { name = p; value = pythonInterpreter p; }
    { name = "${p}Packages"; value = pythonSetFor p; }
  ]) facts.pythonSets);
  python3 = if facts.python3 != null then { python3 = pythons.${facts.python3}; python3Packages = pythons."${facts.python3}Packages"; } else { };

  # Members of package sets the tables name (perlPackages.IPCRun): the facts have the set, not its members.
  table = name: fromJSON (readFile (rulesDir + "/${name}.json"));
  entryAttrs = t: builtins.concatLists (map (e: e.attrs) (builtins.attrValues t.packages));
  baseImages = table "base-images";
  runtimeVersions = builtins.concatLists (map (r: builtins.attrValues r.versions) (builtins.attrValues baseImages.runtimes));
  setMembers = filter (a:
    let parts = lib.splitString "." a; head = builtins.head parts; record = facts.top.${head} or null;
    in builtins.length parts > 1 && head != "dockerTools" && builtins.match "python3[0-9]*Packages" head == null
      && record != null && !(isString record) && has (builtins.elemAt record 0) "S")
    (entryAttrs (table "apk") ++ entryAttrs (table "apt") ++ entryAttrs (table "npm")
      # COPY --from=composer (src/convert/image-copy.ts): pkgs/top-level/php-packages.nix has it in the set.
      ++ [ "phpPackages.composer" ]);
  setPath = set: path: value:
    let
      head = builtins.head path;
      rest = builtins.tail path;
    in
    set // {
      ${head} = if rest == [ ] then (set.${head} or { }) // value else setPath (set.${head} or { }) rest value;
    };
  members = foldl' (acc: p: setPath acc (lib.splitString "." p) (fakeDrv (builtins.replaceStrings [ "." ] [ "-" ] p) { })) { } setMembers;

  # --- lib ---------------------------------------------------------------------------------------------
  lib = {
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    removePrefix = prefix: s:
      let n = builtins.stringLength prefix;
      in if builtins.substring 0 n s == prefix then builtins.substring n (builtins.stringLength s - n) s else s;
    splitString = sep: s: filter isString (builtins.split (lib.escapeRegex sep) s);
    last = xs: builtins.elemAt xs (builtins.length xs - 1);
    escapeRegex = s: builtins.replaceStrings [ "." "*" "+" "?" "(" ")" "[" "]" "{" "}" "|" "^" "$" "\\" ] [ "\\." "\\*" "\\+" "\\?" "\\(" "\\)" "\\[" "\\]" "\\{" "\\}" "\\|" "\\^" "\\$" "\\\\" ] s;
    fileset = {
      unions = files:
        if !(isList files) then fail "lib.fileset.unions takes a list"
        else if !(all builtins.isPath files) then fail "lib.fileset.unions takes paths"
        else if !(all builtins.pathExists files) then fail "lib.fileset.unions: a path does not exist"
        else { _fileset = map toString files; };
      # Copies exactly the listed files (and the folders above them) below root, as the real toSource does.
      toSource = args:
        let
          a = check "lib.fileset.toSource" [ "root" "fileset" ] [ "root" "fileset" ] args;
          members = a.fileset._fileset;
          keep = path: type:
            builtins.any (m: m == path || lib.hasPrefix "${path}/" m || lib.hasPrefix "${m}/" path) members;
        in
        builtins.path { path = a.root; name = "source"; filter = keep; };
    };
    hasPrefix = prefix: s: builtins.substring 0 (builtins.stringLength prefix) s == prefix;
    # lib/meta.nix: hiPrio = setPrio (-10).
    hiPrio = drv: if !(isStorePathLike drv) then fail "lib.hiPrio takes a package" else drv // { meta = (drv.meta or { }) // { priority = -10; }; };
  };

  # --- dockerTools ---------------------------------------------------------------------------------------
  dockerConfigKeys = [ "Cmd" "Entrypoint" "Env" "ExposedPorts" "WorkingDir" "User" "Volumes" "Labels" "StopSignal" "Healthcheck" "ArgsEscaped" "OnBuild" "Shell" ];
  ociConfigKeys = [ "User" "ExposedPorts" "Env" "Entrypoint" "Cmd" "Volumes" "WorkingDir" "Labels" "StopSignal" "ArgsEscaped" ];
  checkConfig = fname: keys: config:
    let
      c = check "${fname} config" keys [ ] config;
      strings = name: !(c ? ${name}) || (isList c.${name} && all isString c.${name});
    in
    if !(strings "Cmd" && strings "Entrypoint" && strings "Env") then fail "${fname}: Cmd, Entrypoint and Env must be lists of strings"
    else if c ? Env && !(all (e: builtins.match "[^=]+=.*" e != null) c.Env) then fail "${fname}: Env entries must be NAME=value"
    else c;

  streamLayeredImageArgs = [
    "name" "architecture" "config" "contents" "created" "debug" "enableFakechroot" "extraCommands" "fakeRootCommands"
    "fromImage" "gid" "gname" "includeNixDB" "includeStorePaths" "layeringPipeline" "maxLayers" "meta" "mtime"
    "passthru" "tag" "uid" "uname"
  ];
  layeredImage = fname: allowed: args:
    let
      a = check "dockerTools.${fname}" allowed [ "name" ] args;
      contents = if a ? contents then (if isList a.contents then a.contents else [ a.contents ]) else [ ];
      forced = builtins.seq (builtins.toJSON (checkConfig "dockerTools.${fname}" dockerConfigKeys (a.config or { })))
        (builtins.seq (a.extraCommands or "") (builtins.seq (a.fakeRootCommands or "") true));
    in
    if !(all isStorePathLike contents) then fail "dockerTools.${fname}: contents must be packages"
    else if a ? fromImage && !(isStorePathLike a.fromImage) then fail "dockerTools.${fname}: fromImage must be an image archive"
    # passthru.conf (streamLayeredImage, and buildLayeredImage through stream.passthru): the JSON naming the layers.
    else if forced then fakeDrv "${a.name}.tar.gz" { imageArgs = a; conf = fakeDrv "${a.name}-conf.json" { }; } else fail "unreachable";

  fakeNss = fakeDrv "fake-nss" {
    override = args:
      let a = check "fakeNss.override" [ "extraPasswdLines" "extraGroupLines" ] [ ] args;
      in fakeDrv "fake-nss" { passwdLines = a.extraPasswdLines or [ ]; groupLines = a.extraGroupLines or [ ]; };
  };

  # pkgs/build-support/docker/default.nix pullImage, wrapped in lib.fetchers.withNormalizedHash { }: the formals
  # below, with the hash as exactly one of `hash` or `sha256` (or outputHash + outputHashAlgo); no default digest.
  pullImage = args:
    let
      a = check "dockerTools.pullImage" [ "imageName" "imageDigest" "hash" "sha256" "outputHash" "outputHashAlgo" "os" "arch" "finalImageName" "finalImageTag" "tlsVerify" "name" ] [ "imageName" "imageDigest" ] args;
      hashes = filter (n: a ? ${n}) [ "hash" "sha256" "outputHash" ];
      fixName = builtins.replaceStrings [ "/" ":" ] [ "-" "-" ];
    in
    if builtins.length hashes != 1 then fail "dockerTools.pullImage needs exactly one of hash, sha256, outputHash"
    else if builtins.match "sha256:[0-9a-f]{64}" a.imageDigest == null then fail "dockerTools.pullImage: imageDigest is not sha256:<64 hex>"
    else if !(isString a.imageName && isString (a.finalImageTag or "")) then fail "dockerTools.pullImage: imageName and finalImageTag are strings"
    else fakeDrv (a.name or (fixName "docker-image-${a.finalImageName or a.imageName}-${a.finalImageTag or "latest"}.tar")) { pullArgs = a; };

  dockerTools = {
    inherit pullImage;
    buildLayeredImage = layeredImage "buildLayeredImage" (streamLayeredImageArgs ++ [ "compressor" ]);
    streamLayeredImage = layeredImage "streamLayeredImage" streamLayeredImageArgs;
    binSh = fakeDrv "bin-sh" { };
    usrBinEnv = fakeDrv "usr-bin-env" { };
    caCertificates = fakeDrv "ca-certificates" { };
    inherit fakeNss;
  };

  # --- language builders -----------------------------------------------------------------------------------
  buildNpmPackage = args:
    let
      a = checkDerivation "buildNpmPackage" (check "buildNpmPackage" (mkDerivationArgs ++ [
        "forceEmptyCache" "forceGitDeps" "makeCacheWritable" "nodejs" "npmBuildFlags" "npmBuildHook" "npmBuildScript"
        "npmConfigHook" "npmDeps" "npmDepsFetcherVersion" "npmDepsHash" "npmFlags" "npmInstallFlags" "npmInstallHook"
        "npmPackFlags" "npmPruneFlags" "npmRebuildFlags" "npmWorkspace" "dontNpmBuild" "dontNpmInstall" "dontNpmPrune"
      ]) [ "src" ] args);
    in
    if !(a ? npmDeps || a ? npmDepsHash) then fail "buildNpmPackage needs npmDeps or npmDepsHash"
    else fakeDrv (a.pname or a.name) { builderArgs = a; };

  importNpmLock = {
    __functor = _: args:
      let
        a = check "importNpmLock" [ "npmRoot" "package" "packageLock" "fetcherOpts" "packageSourceOverrides" "pname" "version" ] [ ] args;
        # The real function reads both files at evaluation time.
        package = a.package or (fromJSON (readFile (a.npmRoot + "/package.json")));
        lock = a.packageLock or (fromJSON (readFile (a.npmRoot + "/package-lock.json")));
      in
      builtins.seq package (builtins.seq lock (fakeDrv "npm-deps" { }));
    npmConfigHook = fakeDrv "npm-config-hook" { };
  };

  buildGoModuleWith = fname: args:
    let
      a = checkDerivation fname (check fname (mkDerivationArgs ++ [
        "vendorHash" "GOFLAGS" "allowGoReference" "buildTestBinaries" "deleteVendor" "enableParallelBuilding" "goSum"
        "ldflags" "modRoot" "overrideModAttrs" "proxyVendor" "subPackages" "excludedPackages" "tags" "modBuildPhase"
        "modInstallPhase"
      ]) [ "src" ] args);
    in
    if !(a ? vendorHash) then fail "${fname}: vendorHash is missing"
    else fakeDrv (a.pname or a.name) { builderArgs = a; };

  goBuilders = builtins.listToAttrs (map (v: { name = v.builder; value = buildGoModuleWith v.builder; }) (filter (v: v ? builder && topLevel ? ${v.builder}) runtimeVersions));

  rustPlatform.importCargoLock = importCargoLock;
  rustPlatform.buildRustPackage = args:
    let
      a = checkDerivation "buildRustPackage" (check "buildRustPackage" (mkDerivationArgs ++ [
        "cargoHash" "cargoLock" "cargoDeps" "cargoVendorDir" "buildFeatures" "buildNoDefaultFeatures" "buildType"
        "buildAndTestSubdir" "cargoRoot" "cargoPatches" "useNextest" "auditable" "cargoBuildFlags"
      ]) [ "src" ] args);
    in
    if !(a ? cargoHash || a ? cargoLock || a ? cargoDeps || a ? cargoVendorDir) then fail "cargoHash, cargoVendorDir, cargoDeps, or cargoLock must be set"
    else builtins.seq (if a ? cargoLock then importCargoLock a.cargoLock else null) (fakeDrv (a.pname or a.name) { builderArgs = a; });

  # pkgs/build-support/rust/import-cargo-lock.nix: reads the lock file at evaluation time; every git source needs
  # its hash in outputHashes ("name-version"), unless allowBuiltinFetchGit.
  importCargoLock = args:
    let
      lock = check "importCargoLock" [ "lockFile" "outputHashes" "allowBuiltinFetchGit" "lockFileContents" "extraRegistries" ] [ ] args;
      text =
        if lock ? lockFileContents then lock.lockFileContents
        else if !(lock ? lockFile) then fail "importCargoLock needs lockFile or lockFileContents"
        else if !(builtins.pathExists lock.lockFile) then fail "cargoLock.lockFile ${toString lock.lockFile} does not exist"
        else readFile lock.lockFile;
      packages = (builtins.fromTOML text).package or [ ];
      hashes = lock.outputHashes or { };
      git = filter (p: p ? source && lib.hasPrefix "git+" p.source) packages;
      # As nixpkgs: a hash is keyed by "name-version" of one git package and covers its commit, so every package
      # of that commit (a workspace's crates) shares it; a key no git package has is an error.
      shaOf = p: lib.last (lib.splitString "#" p.source);
      gitShas = builtins.listToAttrs (map (p: { name = "${p.name}-${p.version}"; value = shaOf p; }) git);
      covered = map (key: gitShas.${key} or (throw "A hash was specified for ${key}, but there is no corresponding git dependency.")) (attrNames hashes);
      missing = filter (p: !(elem (shaOf p) covered)) git;
    in
    if builtins.deepSeq covered (missing != [ ] && !(lock.allowBuiltinFetchGit or false)) then
      throw "No hash was found while vendoring the git dependency ${(builtins.head missing).name}-${(builtins.head missing).version}. You can add a hash through the `outputHashes` argument of `importCargoLock`"
    else fakeDrv "cargo-vendor-dir" { };

  # Yarn 1 and pnpm (pkgs/build-support/node/fetch-yarn-deps and fetch-pnpm-deps): the fetchers, and the setup
  # hooks with the variables they read (yarn-config-hook.sh: yarnOfflineCache; yarn-build-hook.sh:
  # yarnBuildScript, yarnBuildFlags, dontYarnBuild; pnpm-config-hook.sh: pnpmDeps, with pnpm on PATH).
  fetchYarnDeps = args:
    let
      a = check "fetchYarnDeps" [ "name" "src" "hash" "sha256" "yarnLock" ] [ ] args;
    in
    # (Whether yarnLock exists is not checked: under nix-instantiate --eval the source is never copied to the store.)
    builtins.seq a (fakeDrv (a.name or "offline") { fetcherArgs = a; });
  fetchPnpmDeps = args:
    let
      a = check "fetchPnpmDeps" [ "hash" "pname" "version" "src" "pnpm" "pnpmWorkspaces" "prePnpmInstall" "pnpmInstallFlags" "fetcherVersion" ] [ "pname" "fetcherVersion" ] args;
    in
    if !(elem a.fetcherVersion [ 1 2 3 ]) then fail "fetchPnpmDeps `fetcherVersion` is not set to a supported value (1, 2, 3)"
    else fakeDrv "${a.pname}-pnpm-deps" { fetcherArgs = a; };
  yarnConfigHook = fakeDrv "yarn-config-hook" { };
  yarnBuildHook = fakeDrv "yarn-build-hook" { };
  pnpmConfigHook = fakeDrv "pnpm-config-hook" { };
  hookVariables = [ "yarnOfflineCache" "yarnBuildScript" "yarnBuildFlags" "dontYarnBuild" "dontYarnInstallDeps" "pnpmDeps" "pnpmInstallFlags" "pnpmRoot" "pnpmWorkspaces" ];

  # pkgs/build-support/dotnet/build-dotnet-module/default.nix (its formals, and mkDerivation's); nugetDeps as
  # add-nuget-deps/default.nix reads it: a deps.json path is imported at evaluation (so it must exist and be a list
  # of { pname, version, hash }); only a path (or null) gets passthru.fetch-deps.
  buildDotnetModule = args:
    let
      a = checkDerivation "buildDotnetModule" (check "buildDotnetModule" (mkDerivationArgs ++ [
        "enableParallelBuilding" "makeWrapperArgs" "dotnetRestoreFlags" "dotnetBuildFlags" "dotnetTestFlags"
        "dotnetInstallFlags" "dotnetPackFlags" "dotnetFlags" "installPath" "executables" "dontPublish" "packNupkg"
        "projectFile" "nugetDeps" "projectReferences" "runtimeDeps" "runtimeId" "testFilters" "disabledTests"
        "testProjectFile" "buildType" "selfContainedBuild" "useDotnetFromEnv" "useAppHost" "dotnet-sdk" "dotnet-runtime"
      ]) [ "src" ] args);
      nugetDeps = a.nugetDeps or null;
      deps =
        if nugetDeps == null then [ ]
        else if isList nugetDeps || (isAttrs nugetDeps && nugetDeps ? outPath && !(builtins.isPath nugetDeps)) then [ ]
        else if builtins.match ".*\\.nix" (toString nugetDeps) != null then fail "buildDotnetModule: a .nix nugetDeps is deprecated; dock2nix writes deps.json"
        else if !(builtins.pathExists nugetDeps) then fail "buildDotnetModule: nugetDeps ${toString nugetDeps} does not exist"
        else fromJSON (readFile nugetDeps);
      validDeps = isList deps && all (d: isAttrs d && d ? pname && d ? version && d ? hash) deps;
      fetchable = nugetDeps == null || builtins.isPath nugetDeps;
    in
    if !validDeps then fail "buildDotnetModule: nugetDeps must hold a JSON list of { pname, version, hash }"
    else if a ? projectFile && !(isString a.projectFile || isList a.projectFile) then fail "buildDotnetModule: projectFile must be a string or a list"
    else if a ? executables && !(isList a.executables || isString a.executables || a.executables == null) then fail "buildDotnetModule: executables must be a list"
    else fakeDrv (a.pname or a.name) ({ builderArgs = a; nugetDeps = deps; } // (if fetchable then { fetch-deps = fakeDrv "${a.pname or a.name}-fetch-deps" { }; } else { }));

  # pkgs/by-name/ma/maven/build-maven-package.nix, exposed as maven.buildMavenPackage (passthru of
  # pkgs/by-name/ma/maven/package.nix): its formals, the rest going to stdenv.mkDerivation through `...`.
  # pname, version and src have no default.
  buildMavenPackage = args:
    let
      a = checkDerivation "maven.buildMavenPackage" (check "maven.buildMavenPackage" (mkDerivationArgs ++ [
        "buildOffline" "mvnJdk" "mvnHash" "mvnGoal" "mvnOffline" "mvnFetchExtraArgs" "mvnDepsParameters"
        "manualMvnArtifacts" "manualMvnSources" "mvnParameters"
      ]) [ "src" "pname" "version" ] args);
    in
    if !(isString (a.mvnHash or "") && isString (a.mvnParameters or "") && isString (a.mvnGoal or "package")) then fail "maven.buildMavenPackage: mvnHash, mvnParameters and mvnGoal are strings"
    else if a ? mvnJdk && !(isStorePathLike a.mvnJdk) then fail "maven.buildMavenPackage: mvnJdk must be a package"
    else builtins.seq (a.mvnJdk.name or "") (fakeDrv a.pname { builderArgs = a; });

  # pkgs/development/ruby-modules/bundler-env/default.nix and bundled-common/default.nix (their formals; `...`
  # goes to buildEnv, which the stub does not allow). Without gemdir, gemfile, lockfile and gemset must be given;
  # gemset is imported at evaluation (bundled-common: importedGemset) and must be a set of gems. Its passthru has
  # wrappedRuby (Ruby with GEM_PATH on the environment).
  bundlerEnv = args:
    let
      a = check "bundlerEnv" [
        "name" "pname" "version" "mainGemName" "gemdir" "gemfile" "lockfile" "gemset" "groups" "ruby" "copyGemFiles"
        "gemConfig" "postBuild" "document" "meta" "ignoreCollisions" "passthru" "nativeBuildInputs" "buildInputs"
        "extraConfigPaths"
      ] [ ] args;
      file = what: if a ? ${what} then a.${what} else if a ? gemdir then a.gemdir + "/${if what == "gemset" then "gemset.nix" else if what == "gemfile" then "Gemfile" else "Gemfile.lock"}" else fail "bundlerEnv: ${what} is needed when gemdir is not given";
      exists = what: let f = file what; in if builtins.isPath f && !(builtins.pathExists f) then fail "bundlerEnv: ${what} ${toString f} does not exist" else f;
      gemset = let g = exists "gemset"; in if isAttrs g && !(g ? outPath) then g else import g;
      name = a.name or a.pname or (fail "bundlerEnv needs name or pname");
    in
    if !(isAttrs gemset) then fail "bundlerEnv: gemset must be an attribute set of gems"
    else if a ? groups && a.groups != null && !(isList a.groups && all isString a.groups) then fail "bundlerEnv: groups must be null or a list of strings"
    else if a ? ruby && !(isStorePathLike a.ruby) then fail "bundlerEnv: ruby must be a package"
    else builtins.seq (exists "gemfile") (builtins.seq (exists "lockfile") (builtins.seq (a.ruby.name or "")
      (fakeDrv name { envArgs = a; gems = gemset; wrappedRuby = fakeDrv "wrapped-ruby-${name}" { }; })));

  # The BEAM package sets (pkgs/top-level/all-packages.nix: beamMinimal<N>Packages = beam_minimal.packages.erlang_N.beamPackages,
  # pkgs/development/beam-modules/default.nix): mixRelease (mix-release.nix), fetchMixDeps (fetch-mix-deps.nix) and
  # the Elixirs, each asserting the OTP range of pkgs/development/interpreters/elixir/1.*.nix (generic-builder.nix).
  beamSet = otp:
    let
      elixirFor = minor: low: high: fakeDrv "elixir-1.${toString minor}" { elixirOtpCheck = if otp < low || otp > high then throw "Elixir 1.${toString minor}: erlang OTP ${toString otp} is not >= ${toString low} and <= ${toString high}" else true; };
      checkElixir = fname: e: if !(isStorePathLike e) then fail "${fname}: elixir must be a package" else builtins.seq (e.elixirOtpCheck or true) e;
      fetchMixDeps = args:
        let a = check "fetchMixDeps" (mkDerivationArgs ++ [ "hash" "sha256" "mixEnv" "mixTarget" "debug" "elixir" "hex" ]) [ "pname" "version" "src" ] args;
        in if !(isString (a.hash or "") && isString (a.mixEnv or "")) then fail "fetchMixDeps: hash and mixEnv are strings"
        else builtins.seq (checkElixir "fetchMixDeps" (a.elixir or set.elixir)) (fakeDrv "${a.pname}-${a.version}" { fetcherArgs = a; });
      mixRelease = args:
        let a = check "mixRelease" (mkDerivationArgs ++ [
          "enableDebugInfo" "mixEnv" "mixTarget" "compileFlags" "mixReleaseName" "escriptBinName" "erlangCompilerOptions"
          "erlangDeterministicBuilds" "mixFodDeps" "mixNixDeps" "elixir" "erlang" "hex" "removeCookie" "stripDebug"
        ]) [ "pname" "version" "src" ] args;
        in if a ? mixFodDeps && !(isStorePathLike a.mixFodDeps) then fail "mixRelease: mixFodDeps must be a derivation"
        else if !(isString (a.mixEnv or "") && isString (a.mixReleaseName or "")) then fail "mixRelease: mixEnv and mixReleaseName are strings"
        else if a ? env && !(all (v: isString v || builtins.isInt v || builtins.isBool v) (builtins.attrValues a.env)) then fail "mixRelease: env values must be strings, integers or booleans"
        else builtins.seq (checkElixir "mixRelease" (a.elixir or set.elixir)) (builtins.seq (a.mixFodDeps.name or "") (fakeDrv "${a.pname}-${a.version}" { builderArgs = a; }));
      set = {
        inherit fetchMixDeps mixRelease;
        elixir_1_17 = elixirFor 17 25 27;
        elixir_1_18 = elixirFor 18 25 99;
        elixir_1_19 = elixirFor 19 26 28;
        elixir_1_20 = elixirFor 20 27 29;
        elixir = set.elixir_1_18;
        erlang = fakeDrv "erlang-${toString otp}" { };
      };
    in set;

  # stdenv.mkDerivation takes an attribute set or a function of finalAttrs (pkgs/stdenv/generic/make-derivation.nix);
  # finalAttrs.finalPackage is the package (here without the checks, which would otherwise recurse through it).
  stdenv.mkDerivation = argsOrFun:
    let
      args = if builtins.isFunction argsOrFun then argsOrFun (args // { finalPackage = fakeDrv (args.pname or args.name or "package") { pname = args.pname or null; builderArgs = args; }; }) else argsOrFun;
      a = checkDerivation "mkDerivation" (check "mkDerivation" (mkDerivationArgs ++ hookVariables ++ gradleHookVariables) [ ] args);
      inputs = map (d: d.pname or d.name or "") (a.nativeBuildInputs or [ ]);
    in
    if elem "yarn-config-hook" inputs && !(a ? yarnOfflineCache) then fail "yarnConfigHook: No yarnOfflineCache or offlineCache were defined!"
    else if elem "pnpm-config-hook" inputs && !(a ? pnpmDeps) then fail "pnpmConfigHook: 'pnpmDeps' must be set when using pnpmConfigHook."
    else if elem "pnpm-config-hook" inputs && !(builtins.any (n: builtins.match "pnpm(_[0-9]+)?" n != null) inputs) then fail "pnpmConfigHook: 'pnpm' binary not found in PATH"
    else if a ? mitmCache && !(elem "gradle" inputs) then fail "mkDerivation: mitmCache without gradle in nativeBuildInputs (its setup hook is what reads it)"
    else if a ? gradleFlags && !(isList a.gradleFlags && all isString a.gradleFlags) then fail "mkDerivation: gradleFlags must be a list of strings"
    # The dependency fetchers are checked too (the derivation's value alone would never call them), and the
    # configure phase, which names Bun's node_modules derivation.
    else builtins.seq (a.yarnOfflineCache.name or "") (builtins.seq (a.pnpmDeps.name or "") (builtins.seq (a.mitmCache.name or "") (builtins.seq (a.configurePhase or "") (fakeDrv (a.pname or a.name) { builderArgs = a; }))));

  # A fixed-output derivation on stdenvNoCC (pkgs/stdenv/generic/make-derivation.nix), as dock2nix writes Bun's
  # node_modules: outputHash (a string: lib.fakeHash or an SRI hash), outputHashAlgo and outputHashMode as
  # make-derivation.nix reads them.
  stdenvNoCC.mkDerivation = args:
    let
      a = checkDerivation "stdenvNoCC.mkDerivation" (check "stdenvNoCC.mkDerivation" (mkDerivationArgs ++ [ "dontConfigure" "outputHash" "outputHashAlgo" "outputHashMode" ]) [ ] args);
    in
    if a ? outputHash && !(isString a.outputHash) then fail "stdenvNoCC.mkDerivation: outputHash is a string"
    else if a ? outputHashMode && !(elem a.outputHashMode [ "flat" "recursive" "nar" "text" ]) then fail "stdenvNoCC.mkDerivation: outputHashMode is flat, recursive, nar or text"
    else if a ? outputHashAlgo && !(elem a.outputHashAlgo [ "sha1" "sha256" "sha512" ]) then fail "stdenvNoCC.mkDerivation: unknown outputHashAlgo"
    else fakeDrv (a.pname or a.name) { builderArgs = a; };

  # pkgs/development/tools/build-managers/gradle/: the wrapper's passthru.fetchDeps (fetch-deps.nix: its formals; a
  # path `data` is read with lib.importJSON, so it must exist and hold an object; only a path or a string gets
  # passthru.updateScript) and `override`, which wrapGradle passes on to the unwrapped Gradle (mkGradle': `java`,
  # `javaToolchains`). The setup hook's variables (setup-hook.sh, gradle.section.md) are mkDerivation's.
  gradleHookVariables = [ "mitmCache" "gradleFlags" "gradleBuildTask" "gradleCheckTask" "gradleUpdateTask" "gradleInitScript" "__darwinAllowLocalNetworking" "enableParallelBuilding" ];
  gradleWrapped = base: base // {
    override = args:
      let a = check "gradle.override" [ "java" "javaToolchains" ] [ ] args;
      in if a ? java && !(isStorePathLike a.java) then fail "gradle.override: java must be a package"
      else builtins.seq (a.java.name or "") (gradleWrapped base);
    fetchDeps = args:
      let
        a = check "gradle.fetchDeps" [ "pkg" "pname" "attrPath" "bwrapFlags" "data" "silent" "useBwrap" ] [ "data" ] args;
        data =
          if builtins.isPath a.data then (if builtins.pathExists a.data then fromJSON (readFile a.data) else fail "gradle.fetchDeps: data ${toString a.data} does not exist")
          else if isAttrs a.data then a.data
          else fail "gradle.fetchDeps: dock2nix passes data as a path";
        pkg = a.pkg or (fail "gradle.fetchDeps: a package outside nixpkgs needs pkg (pname/attrPath look it up in pkgs)");
      in
      if !(isAttrs data) then fail "gradle.fetchDeps: data must hold a JSON object"
      else if !(isAttrs pkg && pkg ? outPath) then fail "gradle.fetchDeps: pkg must be a package"
      else fakeDrv "${pkg.pname or pkg.name}-deps" { inherit data; updateScript = fakeDrv "fetch-deps.sh" { }; };
  };
  gradles = builtins.listToAttrs (map (n: { name = n; value = gradleWrapped topLevel.${n}; }) (filter (n: facts.top ? ${n}) [ "gradle" "gradle_8" "gradle_9" ]));

  # PHP (pkgs/development/interpreters/php/generic.nix): withExtensions takes a function of { enabled, all } returning
  # a list of extensions of `all` (php.extensions, pkgs/top-level/php-packages.nix: their names, written here by
  # hand from that file); buildComposerProject2 (pkgs/build-support/php/builders/v2/build-composer-project.nix: its
  # formals and mkDerivation's); phpXYPackages.composer (pkgs/development/php-packages/composer).
  phpExtensionNames = [
    "amqp" "apcu" "ast" "bcmath" "bz2" "calendar" "couchbase" "ctype" "curl" "datadog_trace" "dba" "decimal" "dom" "ds"
    "enchant" "event" "excimer" "exif" "ffi" "fileinfo" "filter" "ftp" "gd" "gettext" "gmp" "gnupg" "grpc" "iconv"
    "igbinary" "imagick" "imap" "inotify" "intl" "ldap" "mailparse" "maxminddb" "mbstring" "memcache" "memcached"
    "mongodb" "msgpack" "mysqli" "mysqlnd" "oci8" "opcache" "openssl" "opentelemetry" "openswoole" "parallel" "pcntl"
    "pcov" "pdo" "pdo_dblib" "pdo_mysql" "pdo_oci" "pdo_odbc" "pdo_pgsql" "pdo_sqlite" "pdo_sqlsrv" "pgsql" "phalcon"
    "posix" "protobuf" "pspell" "rdkafka" "readline" "redis" "relay" "rrd" "session" "shmop" "simplexml" "smbclient"
    "snmp" "soap" "sockets" "sodium" "spx" "sqlite3" "sqlsrv" "ssh2" "swoole" "sysvmsg" "sysvsem" "sysvshm" "tidy"
    "tokenizer" "uuid" "uv" "vld" "xdebug" "xml" "xmlreader" "xmlwriter" "xsl" "yaml" "zip" "zlib" "zstd"
  ];
  phpWith = attr: base:
    let
      extensions = builtins.listToAttrs (map (n: { name = n; value = fakeDrv "php-${n}" { extensionName = n; }; }) phpExtensionNames);
      self = base // {
        inherit extensions;
        withExtensions = f:
          let chosen = f { enabled = [ extensions.session ]; all = extensions; };
          in if isList chosen && all (e: isAttrs e && e ? extensionName) chosen then phpWith attr (base // { name = "${attr}-with-extensions"; }) else fail "${attr}.withExtensions must return a list of extensions";
        buildComposerProject2 = args:
          let
            a = checkDerivation "buildComposerProject2" (check "buildComposerProject2" (mkDerivationArgs ++ [
              "php" "composer" "composerLock" "vendorHash" "composerNoDev" "composerNoPlugins" "composerNoScripts"
              "composerStrictValidation" "doInstallCheck" "dontCheckForBrokenSymlinks" "composerVendor"
            ]) [ "src" "pname" "version" ] (if builtins.isFunction args then args { } else args));
          in
          if !(isString (a.vendorHash or "")) then fail "buildComposerProject2: vendorHash is a string"
          else if a ? php && !(isAttrs a.php && a.php ? withExtensions) then fail "buildComposerProject2: php must be a PHP"
          else fakeDrv a.pname { builderArgs = a; };
      };
    in self;
  phps = builtins.listToAttrs (builtins.concatMap (v: let attr = "php${v}"; in if facts.top ? ${attr} then [
    { name = attr; value = phpWith attr topLevel.${attr}; }
    { name = "${attr}Packages"; value = { composer = fakeDrv "composer-2.10.1" { pname = "composer"; }; }; }
  ] else [ ]) [ "82" "83" "84" "85" ]);

in
topLevel // members // pythons // python3 // goBuilders // gradles // phps // {
  inherit lib dockerTools fakeNss buildDotnetModule buildNpmPackage importNpmLock rustPlatform stdenv stdenvNoCC fetchYarnDeps fetchPnpmDeps yarnConfigHook yarnBuildHook pnpmConfigHook;
  buildGoModule = buildGoModuleWith "buildGoModule";
  inherit bundlerEnv;
  beamMinimal27Packages = beamSet 27;
  beamMinimal28Packages = beamSet 28;
  beamMinimal29Packages = beamSet 29;
  maven = topLevel.maven // { inherit buildMavenPackage; };
  runCommand = name: env: script:
    if !(isString name && isAttrs env && isString script) then fail "runCommand takes a name, an attribute set and a script"
    # runCommandWith passes env to stdenv.mkDerivation, whose passthru attributes land on the derivation.
    else builtins.seq script (fakeDrv name (env.passthru or { }));
  writeText = name: text:
    if builtins.match "[A-Za-z0-9+._?=-]+" name == null then fail "writeText: invalid store name ${name}"
    else if !(isString text) then fail "writeText takes a string" else fakeDrv name { inherit text; };
  buildEnv = args:
    let a = check "buildEnv" [ "name" "paths" "pathsToLink" "extraOutputsToInstall" "ignoreCollisions" "postBuild" "meta" "passthru" ] [ "name" "paths" ] args;
    in fakeDrv a.name { };
}
