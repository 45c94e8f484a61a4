//! `describe --json` and `kinds --json`, byte for byte. The expected strings were recorded
//! from the hand-written JSON writers (`Described::to_json`, the CLI's `json.rs`) before serde
//! replaced them; serde_json prints the same bytes except where [`LISTS`] and [`SPELLING`]
//! say, and except that a unix server's default `mode` is now `null` (the umask decides) and
//! header values are secret, `***` (issue 14).
//! `@PKI@` stands for a directory of test certificates (endpoint-testkit's layout).

mod support;

use endpoint_testkit::TestPki;
use serde_json::Value;

use support::{endpoint, TestResult};

/// (side, description, JSON): unchanged, byte for byte.
const UNCHANGED: &[(&str, &str, &str)] = &[
    (
        "server",
        "unix:/tmp/tab\there.sock",
        "{\"side\":\"server\",\"kind\":\"unix\",\"layers\":[],\"address\":\"/tmp/tab\\there.sock\",\"mode\":null,\"backlog\":50,\"lockfile\":true}",
    ),
    (
        "server",
        "unix:/tmp/nl\nx\r.sock",
        "{\"side\":\"server\",\"kind\":\"unix\",\"layers\":[],\"address\":\"/tmp/nl\\nx\\r.sock\",\"mode\":null,\"backlog\":50,\"lockfile\":true}",
    ),
    ("server", r#"tcp:8080"#, r#"{"side":"server","kind":"tcp","layers":[],"port":8080,"interface":"","backlog":50}"#),
    ("server", r#"tcp:0:interface=127.0.0.1:backlog=10"#, r#"{"side":"server","kind":"tcp","layers":[],"port":0,"interface":"127.0.0.1","backlog":10}"#),
    ("server", r#"tcp:8080:reuseport=1:nodelay=0"#, r#"{"side":"server","kind":"tcp","layers":[],"port":8080,"interface":"","backlog":50,"reuseport":true,"nodelay":false}"#),
    ("server", r#"tcp:port=8080:interface=\:\:1"#, r#"{"side":"server","kind":"tcp","layers":[],"port":8080,"interface":"::1","backlog":50}"#),
    ("server", r#"tcp6:8080"#, r#"{"side":"server","kind":"tcp6","layers":[],"port":8080,"backlog":50,"interface":"::"}"#),
    ("server", r#"tcp6:8080:interface=\:\:1:backlog=7"#, r#"{"side":"server","kind":"tcp6","layers":[],"port":8080,"backlog":7,"interface":"::1"}"#),
    ("server", r#"unix:/tmp/x.sock"#, r#"{"side":"server","kind":"unix","layers":[],"address":"/tmp/x.sock","mode":null,"backlog":50,"lockfile":true}"#),
    ("server", r#"unix:@abs"#, r#"{"side":"server","kind":"unix","layers":[],"address":"@abs","mode":null,"backlog":50,"lockfile":true}"#),
    ("server", r#"unix:/tmp/x.sock:mode=0660:lockfile=0"#, r#"{"side":"server","kind":"unix","layers":[],"address":"/tmp/x.sock","mode":432,"backlog":50,"lockfile":false}"#),
    ("server", r#"unix:address=/tmp/y.sock:backlog=5:mode=600"#, r#"{"side":"server","kind":"unix","layers":[],"address":"/tmp/y.sock","mode":384,"backlog":5,"lockfile":true}"#),
    ("server", r#"unix:/tmp/we"ird\\pa th\:é.sock"#, r#"{"side":"server","kind":"unix","layers":[],"address":"/tmp/we\"ird\\pa th:é.sock","mode":null,"backlog":50,"lockfile":true}"#),
    ("server", r#"haproxy:tcp:80"#, r#"{"side":"server","kind":"tcp","layers":[{"kind":"haproxy","timeout":10,"trusted":null,"version":"any"}],"port":80,"interface":"","backlog":50}"#),
    ("server", r#"systemd:domain=INET:index=0"#, r#"{"side":"server","kind":"systemd","layers":[],"domain":"INET","index":0,"name":null}"#),
    ("server", r#"systemd:domain=UNIX:name=web"#, r#"{"side":"server","kind":"systemd","layers":[],"domain":"UNIX","index":null,"name":"web"}"#),
    ("server", r#"systemd:domain=INET6:index=2"#, r#"{"side":"server","kind":"systemd","layers":[],"domain":"INET6","index":2,"name":null}"#),
    ("server", r#"stdio:"#, r#"{"side":"server","kind":"stdio","layers":[]}"#),
    ("server", r#"ssl:443:privateKey=@PKI@/server.pem"#, r#"{"side":"server","kind":"ssl","layers":[],"port":443,"privateKey":"@PKI@/server.pem","certKey":"@PKI@/server.pem","sslmethod":null,"interface":"","backlog":50,"extraCertChain":null,"dhParameters":null}"#),
    ("server", r#"ssl:8443:privateKey=@PKI@/server-key.pem:certKey=@PKI@/server-cert.pem:interface=127.0.0.1:extraCertChain=@PKI@/ca.pem"#, r#"{"side":"server","kind":"ssl","layers":[],"port":8443,"privateKey":"@PKI@/server-key.pem","certKey":"@PKI@/server-cert.pem","sslmethod":null,"interface":"127.0.0.1","backlog":50,"extraCertChain":"@PKI@/ca.pem","dhParameters":null}"#),
    ("server", r#"tls:@PKI@/sni"#, r#"{"side":"server","kind":"tls","layers":[],"path":"@PKI@/sni","port":443,"backlog":50,"interface":"::"}"#),
    ("server", r#"tls:@PKI@/sni:port=8443:handshakeTimeout=3"#, r#"{"side":"server","kind":"tls","layers":[],"path":"@PKI@/sni","port":8443,"backlog":50,"interface":"::","handshakeTimeout":3}"#),
    ("server", r#"tls+tcp:443:certificate=@PKI@/server.pem"#, r#"{"side":"server","kind":"tcp","layers":[{"kind":"tls","certificate":"@PKI@/server.pem","privateKey":null,"extraCertChain":null,"clientCA":null,"clientSubjects":null,"alpn":null,"handshakeTimeout":10}],"port":443,"interface":"","backlog":50}"#),
    ("server", r#"throttle+tcp:8080:rate=1000"#, r#"{"side":"server","kind":"tcp","layers":[{"kind":"throttle","rate":1000,"burst":1000}],"port":8080,"interface":"","backlog":50}"#),
    ("server", r#"throttle+tcp:8080:rate=1000:burst=10"#, r#"{"side":"server","kind":"tcp","layers":[{"kind":"throttle","rate":1000,"burst":10}],"port":8080,"interface":"","backlog":50}"#),
    ("client", r#"tcp:example.com:443"#, r#"{"side":"client","kind":"tcp","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null}"#),
    ("client", r#"tcp:example.com:443:timeout=2.5:bindAddress=10.0.0.1"#, r#"{"side":"client","kind":"tcp","layers":[],"host":"example.com","port":443,"timeout":2.5,"bindAddress":"10.0.0.1"}"#),
    ("client", r#"tcp:[::1]:443"#, r#"{"side":"client","kind":"tcp","layers":[],"host":"::1","port":443,"timeout":30,"bindAddress":null}"#),
    ("client", r#"tcp:host=\:\:1:port=80:nodelay=0"#, r#"{"side":"client","kind":"tcp","layers":[],"host":"::1","port":80,"timeout":30,"bindAddress":null,"nodelay":false}"#),
    ("client", r#"tcp:h:80:timeout=0.001"#, r#"{"side":"client","kind":"tcp","layers":[],"host":"h","port":80,"timeout":0.001,"bindAddress":null}"#),
    ("client", r#"unix:/tmp/x.sock"#, r#"{"side":"client","kind":"unix","layers":[],"path":"/tmp/x.sock","timeout":30,"lockfile":false,"checkPID":null}"#),
    ("client", r#"unix:@abs:timeout=5:lockfile=1"#, r#"{"side":"client","kind":"unix","layers":[],"path":"@abs","timeout":5,"lockfile":true,"checkPID":null}"#),
    ("client", r#"unix:/tmp/x.sock:checkPID=1"#, r#"{"side":"client","kind":"unix","layers":[],"path":"/tmp/x.sock","timeout":30,"lockfile":true,"checkPID":null}"#),
    ("client", r#"exec:/bin/cat"#, r#"{"side":"client","kind":"exec","layers":[],"program":"/bin/cat","stderr":"inherit","cwd":null}"#),
    ("client", r#"exec:/bin/echo:hello:world:stderr=null:cwd=/tmp"#, r#"{"side":"client","kind":"exec","layers":[],"program":"/bin/echo","stderr":"null","cwd":"/tmp"}"#),
    ("client", r#"tls:example.com:443"#, r#"{"side":"client","kind":"tls","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null}"#),
    ("client", r#"tls:example.com:443:endpoint=tcp\:h\:443"#, r#"{"side":"client","kind":"tls","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":{"side":"client","kind":"tcp","layers":[],"host":"h","port":443,"timeout":30,"bindAddress":null}}"#),
    ("client", r#"tls:example.com:443:endpoint=unix\:/tmp/s.sock"#, r#"{"side":"client","kind":"tls","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":{"side":"client","kind":"unix","layers":[],"path":"/tmp/s.sock","timeout":30,"lockfile":false,"checkPID":null}}"#),
    ("client", r#"tls:example.com:443:trustRoots=@PKI@/cas:certificate=@PKI@/client.pem"#, r#"{"side":"client","kind":"tls","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":"@PKI@/client.pem","privateKey":null,"trustRoots":"@PKI@/cas","endpoint":null}"#),
    ("client", r#"tls+tcp:h:443:hostname=other.example:trustRoots=@PKI@/ca.pem"#, r#"{"side":"client","kind":"tcp","layers":[{"kind":"tls","hostname":"other.example","trustRoots":"@PKI@/ca.pem","pin":null,"certificate":null,"privateKey":null,"alpn":null,"handshakeTimeout":10}],"host":"h","port":443,"timeout":30,"bindAddress":null}"#),
    ("client", r#"ssl:example.com:443"#, r#"{"side":"client","kind":"ssl","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certKey":null,"privateKey":null,"caCertsDir":null,"hostname":null}"#),
    ("client", r#"ssl:example.com:443:hostname=other:caCertsDir=@PKI@/cas"#, r#"{"side":"client","kind":"ssl","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certKey":null,"privateKey":null,"caCertsDir":"@PKI@/cas","hostname":"other"}"#),
    ("client", r#"ssl:example.com:443:certKey=@PKI@/client.pem:bindAddress=10.0.0.1"#, r#"{"side":"client","kind":"ssl","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":"10.0.0.1","certKey":"@PKI@/client.pem","privateKey":null,"caCertsDir":null,"hostname":null}"#),
    ("client", r#"throttle+tcp:h:1:rate=100"#, r#"{"side":"client","kind":"tcp","layers":[{"kind":"throttle","rate":100,"burst":100}],"host":"h","port":1,"timeout":30,"bindAddress":null}"#),
];

/// (side, description, before, after): the deliberate change. Before, a list option was one
/// comma-separated string; now it is an array of its items (`[]` when empty; absent with no
/// default is still `null`).
const LISTS: &[(&str, &str, &str, &str)] = &[
    (
        "server",
        r#"ws:8080"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"ws:8080:subprotocols=chat,v2.chat:origins=https\://a.example,https\://b.example"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":"chat,v2.chat","origins":"https://a.example,https://b.example","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":["chat","v2.chat"],"origins":["https://a.example","https://b.example"],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"ws:8080:subprotocols= a , b ,,c"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":"a,b,c","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":["a","b","c"],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"ws:8080:pingInterval=1.5:handshakeTimeout=0.25:maxMessageSize=100"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":"","origins":"","maxMessageSize":100,"maxFrameSize":262144,"handshakeTimeout":0.25,"pingInterval":1.5,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":[],"origins":[],"maxMessageSize":100,"maxFrameSize":262144,"handshakeTimeout":0.25,"pingInterval":1.5,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"ws+unix:/a.sock:path=/chat"#,
        r#"{"side":"server","kind":"unix","layers":[{"kind":"ws","path":"/chat","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"address":"/a.sock","mode":null,"backlog":50,"lockfile":true}"#,
        r#"{"side":"server","kind":"unix","layers":[{"kind":"ws","path":"/chat","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"address":"/a.sock","mode":null,"backlog":50,"lockfile":true}"#,
    ),
    (
        "server",
        r#"ws+tcp:80:interface=127.0.0.1:ws.path=*"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"*","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":80,"interface":"127.0.0.1","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"*","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":80,"interface":"127.0.0.1","backlog":50}"#,
    ),
    (
        "server",
        r#"haproxy+tcp:80:trusted=10.0.0.0/8,\:\:1/128"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"haproxy","timeout":10,"trusted":"10.0.0.0/8,::1/128","version":"any"}],"port":80,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"haproxy","timeout":10,"trusted":["10.0.0.0/8","::1/128"],"version":"any"}],"port":80,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"haproxy+tcp:80:trusted=10.0.0.0/8, 192.168.0.0/16:version=1:timeout=2.5"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"haproxy","timeout":2.5,"trusted":"10.0.0.0/8,192.168.0.0/16","version":"1"}],"port":80,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"haproxy","timeout":2.5,"trusted":["10.0.0.0/8","192.168.0.0/16"],"version":"1"}],"port":80,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"haproxy+ws+unix:/a.sock"#,
        r#"{"side":"server","kind":"unix","layers":[{"kind":"haproxy","timeout":10,"trusted":null,"version":"any"},{"kind":"ws","path":"/","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"address":"/a.sock","mode":null,"backlog":50,"lockfile":true}"#,
        r#"{"side":"server","kind":"unix","layers":[{"kind":"haproxy","timeout":10,"trusted":null,"version":"any"},{"kind":"ws","path":"/","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"address":"/a.sock","mode":null,"backlog":50,"lockfile":true}"#,
    ),
    (
        "server",
        r#"tls+tcp:443:certificate=@PKI@/server.pem:alpn=h2,http/1.1:clientCA=@PKI@/ca.pem"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"tls","certificate":"@PKI@/server.pem","privateKey":null,"extraCertChain":null,"clientCA":"@PKI@/ca.pem","clientSubjects":null,"alpn":"h2,http/1.1","handshakeTimeout":10}],"port":443,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"tls","certificate":"@PKI@/server.pem","privateKey":null,"extraCertChain":null,"clientCA":"@PKI@/ca.pem","clientSubjects":null,"alpn":["h2","http/1.1"],"handshakeTimeout":10}],"port":443,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"tls+unix:/run/a.sock:certificate=@PKI@/server-cert.pem:privateKey=@PKI@/server-key.pem:alpn=h2"#,
        r#"{"side":"server","kind":"unix","layers":[{"kind":"tls","certificate":"@PKI@/server-cert.pem","privateKey":"@PKI@/server-key.pem","extraCertChain":null,"clientCA":null,"clientSubjects":null,"alpn":"h2","handshakeTimeout":10}],"address":"/run/a.sock","mode":null,"backlog":50,"lockfile":true}"#,
        r#"{"side":"server","kind":"unix","layers":[{"kind":"tls","certificate":"@PKI@/server-cert.pem","privateKey":"@PKI@/server-key.pem","extraCertChain":null,"clientCA":null,"clientSubjects":null,"alpn":["h2"],"handshakeTimeout":10}],"address":"/run/a.sock","mode":null,"backlog":50,"lockfile":true}"#,
    ),
    (
        "server",
        r#"wss:443:privateKey=@PKI@/server.pem"#,
        r#"{"side":"server","kind":"ssl","layers":[{"kind":"ws","path":"/","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":443,"privateKey":"@PKI@/server.pem","certKey":"@PKI@/server.pem","sslmethod":null,"interface":"","backlog":50,"extraCertChain":null,"dhParameters":null}"#,
        r#"{"side":"server","kind":"ssl","layers":[{"kind":"ws","path":"/","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":443,"privateKey":"@PKI@/server.pem","certKey":"@PKI@/server.pem","sslmethod":null,"interface":"","backlog":50,"extraCertChain":null,"dhParameters":null}"#,
    ),
    (
        "server",
        r#"wss:443:privateKey=@PKI@/server.pem:subprotocols=chat:origins=https\://x"#,
        r#"{"side":"server","kind":"ssl","layers":[{"kind":"ws","path":"/","subprotocols":"chat","origins":"https://x","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":443,"privateKey":"@PKI@/server.pem","certKey":"@PKI@/server.pem","sslmethod":null,"interface":"","backlog":50,"extraCertChain":null,"dhParameters":null}"#,
        r#"{"side":"server","kind":"ssl","layers":[{"kind":"ws","path":"/","subprotocols":["chat"],"origins":["https://x"],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":443,"privateKey":"@PKI@/server.pem","certKey":"@PKI@/server.pem","sslmethod":null,"interface":"","backlog":50,"extraCertChain":null,"dhParameters":null}"#,
    ),
    (
        "server",
        r#"ws+tls+tcp:443:certificate=@PKI@/server.pem:tls.alpn=http/1.1:ws.path=/chat"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/chat","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"},{"kind":"tls","certificate":"@PKI@/server.pem","privateKey":null,"extraCertChain":null,"clientCA":null,"clientSubjects":null,"alpn":"http/1.1","handshakeTimeout":10}],"port":443,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/chat","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"},{"kind":"tls","certificate":"@PKI@/server.pem","privateKey":null,"extraCertChain":null,"clientCA":null,"clientSubjects":null,"alpn":["http/1.1"],"handshakeTimeout":10}],"port":443,"interface":"","backlog":50}"#,
    ),
    (
        "client",
        r#"ws:example.com:80"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws:example.com:80:path=/x"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/x","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/x","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws://h:1/p?q=1"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/p?q=1","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":1,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/p?q=1","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":1,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws://example.com/chat"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"wss://example.com/chat"#,
        r#"{"side":"client","kind":"tls","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null}"#,
        r#"{"side":"client","kind":"tls","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null}"#,
    ),
    (
        "client",
        r#"ws:h:80:subprotocols=a,b:headers=X-Token=abc,Accept=a, b,X-Empty="#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"a,b","origin":null,"headers":"X-Token=***,Accept=***,X-Empty=***","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":["a","b"],"origin":null,"headers":["X-Token=***","Accept=***","X-Empty=***"],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws:h:80:headers=Authorization=Bearer secret"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"","origin":null,"headers":"Authorization=***","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":[],"origin":null,"headers":["Authorization=***"],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws:h:80:header=X-One=1"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"","origin":null,"headers":"X-One=***","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":[],"origin":null,"headers":["X-One=***"],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws:h:80:headers=X-A=1:header=X-B=2"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"","origin":null,"headers":"X-A=***,X-B=***","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":[],"origin":null,"headers":["X-A=***","X-B=***"],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws:h:80:origin=https\://o.example:ws.host=virt.example"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":"virt.example","subprotocols":"","origin":"https://o.example","headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":"virt.example","subprotocols":[],"origin":"https://o.example","headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"ws+unix:/a.sock:path=/chat"#,
        r#"{"side":"client","kind":"unix","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"path":"/a.sock","timeout":30,"lockfile":false,"checkPID":null}"#,
        r#"{"side":"client","kind":"unix","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"path":"/a.sock","timeout":30,"lockfile":false,"checkPID":null}"#,
    ),
    (
        "client",
        r#"ws+tls+tcp:example.com:443:path=/chat"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"},{"kind":"tls","hostname":"example.com","trustRoots":null,"pin":null,"certificate":null,"privateKey":null,"alpn":null,"handshakeTimeout":10}],"host":"example.com","port":443,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/chat","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"},{"kind":"tls","hostname":"example.com","trustRoots":null,"pin":null,"certificate":null,"privateKey":null,"alpn":null,"handshakeTimeout":10}],"host":"example.com","port":443,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"tls:example.com:443:endpoint=ws+tcp\:h\:80"#,
        r#"{"side":"client","kind":"tls","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}}"#,
        r#"{"side":"client","kind":"tls","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":80,"timeout":30,"bindAddress":null}}"#,
    ),
    (
        "client",
        r#"tls:h:443:pin=sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="#,
        r#"{"side":"client","kind":"tls","layers":[],"host":"h","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null,"pin":"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="}"#,
        r#"{"side":"client","kind":"tls","layers":[],"host":"h","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null,"pin":["sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="]}"#,
    ),
    (
        "client",
        r#"tls+tcp:h:443:alpn=h2,http/1.1"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"tls","hostname":"h","trustRoots":null,"pin":null,"certificate":null,"privateKey":null,"alpn":"h2,http/1.1","handshakeTimeout":10}],"host":"h","port":443,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"tls","hostname":"h","trustRoots":null,"pin":null,"certificate":null,"privateKey":null,"alpn":["h2","http/1.1"],"handshakeTimeout":10}],"host":"h","port":443,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"wss:example.com:443"#,
        r#"{"side":"client","kind":"tls","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null}"#,
        r#"{"side":"client","kind":"tls","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":[],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"example.com","port":443,"timeout":30,"bindAddress":null,"certificate":null,"privateKey":null,"trustRoots":null,"endpoint":null}"#,
    ),
    (
        "client",
        r#"ws+tls+tcp:example.com:443:alpn=http/1.1:subprotocols=chat"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":"chat","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"},{"kind":"tls","hostname":"example.com","trustRoots":null,"pin":null,"certificate":null,"privateKey":null,"alpn":"http/1.1","handshakeTimeout":10}],"host":"example.com","port":443,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"ws","path":"/","host":null,"subprotocols":["chat"],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"},{"kind":"tls","hostname":"example.com","trustRoots":null,"pin":null,"certificate":null,"privateKey":null,"alpn":["http/1.1"],"handshakeTimeout":10}],"host":"example.com","port":443,"timeout":30,"bindAddress":null}"#,
    ),
    (
        "client",
        r#"throttle+ws+tcp:h:1:rate=100:subprotocols=x"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"throttle","rate":100,"burst":100},{"kind":"ws","path":"/","host":null,"subprotocols":"x","origin":null,"headers":"","header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":1,"timeout":30,"bindAddress":null}"#,
        r#"{"side":"client","kind":"tcp","layers":[{"kind":"throttle","rate":100,"burst":100},{"kind":"ws","path":"/","host":null,"subprotocols":["x"],"origin":null,"headers":[],"header":null,"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":10,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"host":"h","port":1,"timeout":30,"bindAddress":null}"#,
    ),
];

/// (side, description, before, after): serde_json spells some values differently from the old
/// writer; the JSON values are the same. Seconds under 10 µs print in exponent form (`1e-6`,
/// not `0.000001`), and backspace and form feed as `\b` and `\f` (not `\u0008`, `\u000c`).
/// (The ws cases also have the list change.)
const SPELLING: &[(&str, &str, &str, &str)] = &[
    (
        "server",
        "unix:/tmp/c\u{1}\u{8}\u{c}\u{1f}\u{7f}.sock",
        "{\"side\":\"server\",\"kind\":\"unix\",\"layers\":[],\"address\":\"/tmp/c\\u0001\\u0008\\u000c\\u001f\u{7f}.sock\",\"mode\":null,\"backlog\":50,\"lockfile\":true}",
        "{\"side\":\"server\",\"kind\":\"unix\",\"layers\":[],\"address\":\"/tmp/c\\u0001\\b\\f\\u001f\u{7f}.sock\",\"mode\":null,\"backlog\":50,\"lockfile\":true}",
    ),
    (
        "server",
        r#"ws:8080:handshakeTimeout=0.000001"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":0.000001,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":1e-6,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
    ),
    (
        "server",
        r#"ws:8080:handshakeTimeout=0.0000001"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":"","origins":"","maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":0.0000001,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
        r#"{"side":"server","kind":"tcp","layers":[{"kind":"ws","path":"/","subprotocols":[],"origins":[],"maxMessageSize":1048576,"maxFrameSize":262144,"handshakeTimeout":1e-7,"pingInterval":0,"messageBudget":67108864,"messages":"binary"}],"port":8080,"interface":"","backlog":50}"#,
    ),
];

/// `endpoint describe --SIDE DESC --json` with `@PKI@` filled in, and what it printed with the
/// directory written back as `@PKI@`; an error when it failed.
fn describe_json(pki: &TestPki, side: &str, description: &str) -> TestResult<String> {
    let dir = pki.dir().to_string_lossy().into_owned();
    let description = description.replace("@PKI@", &endpoints::quote(&dir));
    let output = endpoint()
        .args(["describe", &format!("--{side}"), &description, "--json"])
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "{description:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let stdout = String::from_utf8(output.stdout)?;
    let line = stdout.strip_suffix('\n').ok_or("one line")?;
    // The directory as it appears inside a JSON string.
    let in_json = serde_json::to_string(&dir)?;
    Ok(line.replace(&in_json[1..in_json.len() - 1], "@PKI@"))
}

/// Only with the `throttle` feature does the binary know the plugin's kind.
fn available(description: &str) -> bool {
    cfg!(feature = "throttle") || !description.contains("throttle")
}

/// A `describe` object with every list option (an array of strings) joined back into one
/// comma-separated string, as the old writer printed it; layers and nested descriptions too.
fn lists_joined(described: Value) -> Value {
    let Value::Object(map) = described else {
        return described;
    };
    let joined = |(key, value): (String, Value)| {
        let value = match value {
            Value::Array(layers) if key == "layers" => {
                Value::Array(layers.into_iter().map(lists_joined).collect())
            }
            Value::Array(items) => Value::String(
                items
                    .iter()
                    .map(|item| item.as_str().unwrap_or("not a string"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            nested @ Value::Object(_) => lists_joined(nested),
            other => other,
        };
        (key, value)
    };
    Value::Object(map.into_iter().map(joined).collect())
}

#[test]
fn describe_json_is_unchanged_where_no_list_is_involved() -> TestResult {
    let pki = TestPki::new();
    let mut wrong = Vec::new();
    for (side, description, expected) in UNCHANGED {
        if !available(description) {
            continue;
        }
        let json = describe_json(&pki, side, description)?;
        if json != *expected {
            wrong.push(format!(
                "{description:?}:\n  got      {json}\n  expected {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    Ok(())
}

#[test]
fn describe_json_lists_are_arrays_of_their_items() -> TestResult {
    let pki = TestPki::new();
    let mut wrong = Vec::new();
    for (side, description, before, after) in LISTS {
        if !available(description) {
            continue;
        }
        let json = describe_json(&pki, side, description)?;
        if json != *after {
            wrong.push(format!(
                "{description:?}:\n  got      {json}\n  expected {after}"
            ));
        }
        // Nothing but the lists changed: joined back, the arrays are the old strings.
        let before: Value = serde_json::from_str(before)?;
        assert_eq!(
            lists_joined(serde_json::from_str(after)?),
            before,
            "{description:?}"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    Ok(())
}

#[test]
fn describe_json_spells_some_values_as_serde_json_does() -> TestResult {
    let pki = TestPki::new();
    for (side, description, before, after) in SPELLING {
        assert_eq!(describe_json(&pki, side, description)?, *after);
        let before: Value = serde_json::from_str(before)?;
        let after = lists_joined(serde_json::from_str(after)?);
        assert_eq!(before, after, "{description:?}");
    }
    Ok(())
}

/// Objects of `kinds --json` as the hand-written writer printed them. serde prints the same
/// bytes: the listing keeps its shape (option defaults stay description text, whatever the
/// option's type). The tcp server and the tls client have since gained the socket options
/// (`keepalive` to `fastOpen`), and the tls client tcp's `nodelay` (its whole socket option
/// group).
const KINDS_BEFORE_AND_AFTER: &[&str] = &[
    KIND_TCP_SERVER,
    KIND_WS_CLIENT_LAYER,
    KIND_TLS_CLIENT,
    r#"{"scheme":"ws","summary":"ws://HOST[:PORT]/PATH?QUERY[:OPTIONS] = ws+tcp:HOST:PORT:ws.path=/PATH?QUERY[:OPTIONS] (port 80)"}"#,
];

const KIND_TCP_SERVER: &str = r#"{"name":"tcp","side":"server","layer":false,"summary":"TCP server; the interface's family decides IPv4 or IPv6","usage":"tcp:PORT","positional":["port"],"options":[{"name":"port","type":"port","default":null,"help":"port to listen on (0: any)","extension":false},{"name":"interface","type":"text","default":"","help":"address to listen on (\"\": every IPv4 address; an IPv6 literal switches to IPv6)","extension":false},{"name":"backlog","type":"integer","default":"50","help":"listen backlog","extension":false},{"name":"reuseport","type":"flag","default":"0","help":"set SO_REUSEPORT so several sockets share the port","extension":true},{"name":"nodelay","type":"flag","default":"1","help":"set TCP_NODELAY (0 turns Nagle's algorithm back on)","extension":true},{"name":"keepalive","type":"integers","default":null,"help":"SO_KEEPALIVE: IDLE[,INTERVAL[,COUNT]] (whole seconds, seconds, probes), 0 for off (absent: the system's)","extension":true},{"name":"rcvbuf","type":"integer","default":null,"help":"SO_RCVBUF in bytes (Linux reports twice the value)","extension":true},{"name":"sndbuf","type":"integer","default":null,"help":"SO_SNDBUF in bytes (Linux reports twice the value)","extension":true},{"name":"v6only","type":"flag","default":null,"help":"IPV6_V6ONLY on an IPv6 socket: 1 takes IPv6 only, 0 IPv4 too (absent: the system's)","extension":true},{"name":"userTimeout","type":"seconds","default":null,"help":"TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long (Linux)","extension":true},{"name":"bindToDevice","type":"text","default":null,"help":"SO_BINDTODEVICE: use only this network interface, like eth0 (Linux)","extension":true},{"name":"fastOpen","type":"integer","default":null,"help":"TCP_FASTOPEN: queue length for TCP Fast Open connections (Linux)","extension":true}]}"#;

const KIND_WS_CLIENT_LAYER: &str = r#"{"name":"ws","side":"client","layer":true,"summary":"WebSocket client layer: upgrades the connection, bytes in binary messages (or lines in text messages: messages=text)","usage":"ws+...","positional":[],"options":[{"name":"path","type":"text","default":"/","help":"request path, with an optional ?query","extension":false},{"name":"host","type":"text","default":null,"help":"Host header (default: the inner endpoint's host[:port], else localhost)","extension":false},{"name":"subprotocols","type":"list","default":"","help":"subprotocols to offer, preferred first; the server must choose one","extension":false},{"name":"origin","type":"text","default":null,"help":"Origin header to send","extension":false},{"name":"headers","type":"list","default":"","help":"extra request headers as Name=value,Name=value (a comma followed by Name= starts the next)","extension":false},{"name":"header","type":"text","default":null,"help":"one extra request header, Name=value (added to headers=; the grammar keeps only the last of a repeated keyword)","extension":false},{"name":"maxMessageSize","type":"integer","default":"1048576","help":"largest incoming message in bytes; a bigger one ends the connection","extension":false},{"name":"maxFrameSize","type":"integer","default":"262144","help":"largest incoming frame payload in bytes, refused from its header","extension":false},{"name":"handshakeTimeout","type":"seconds","default":"10","help":"deadline for the upgrade, and for the close handshake on shutdown (then the connection is closed)","extension":false},{"name":"pingInterval","type":"seconds","default":"0","help":"send pings this often and end the connection after two silent intervals (0: off)","extension":false},{"name":"messageBudget","type":"integer","default":"67108864","help":"bytes that all connections of the process with this same messageBudget may hold together in messages still arriving; when spent, the one holding the most is closed with 1009 (0: no shared bound)","extension":false},{"name":"messages","type":"text","default":"binary","help":"binary: writes become binary messages and reads yield payloads back to back; text: each line written (up to a newline, which is not sent) is one text message and must be UTF-8, a last line without newline is sent at shutdown, and each message received (text or binary) is read as its payload and a newline","extension":false}]}"#;

const KIND_TLS_CLIENT: &str = r#"{"name":"tls","side":"client","layer":false,"summary":"TLS client over Happy-Eyeballs TCP or an inner endpoint=, always verifying host","usage":"tls:HOST:PORT","positional":["host","port"],"options":[{"name":"host","type":"text","default":null,"help":"host name or IP literal to connect to","extension":false},{"name":"port","type":"port","default":null,"help":"port to connect to","extension":false},{"name":"timeout","type":"seconds","default":"30","help":"deadline for the TCP connection","extension":false},{"name":"bindAddress","type":"text","default":null,"help":"local address to connect from","extension":false},{"name":"certificate","type":"path","default":null,"help":"client certificate PEM (may hold the key)","extension":false},{"name":"privateKey","type":"path","default":null,"help":"the client certificate's key","extension":false},{"name":"trustRoots","type":"path","default":null,"help":"directory of .pem CA files (default: platform roots)","extension":false},{"name":"endpoint","type":"description","default":null,"help":"escaped inner client description (host and port are then only verified)","extension":false},{"name":"nodelay","type":"flag","default":"1","help":"set TCP_NODELAY (0 turns Nagle's algorithm back on)","extension":true},{"name":"keepalive","type":"integers","default":null,"help":"SO_KEEPALIVE: IDLE[,INTERVAL[,COUNT]] (whole seconds, seconds, probes), 0 for off (absent: the system's)","extension":true},{"name":"rcvbuf","type":"integer","default":null,"help":"SO_RCVBUF in bytes (Linux reports twice the value)","extension":true},{"name":"sndbuf","type":"integer","default":null,"help":"SO_SNDBUF in bytes (Linux reports twice the value)","extension":true},{"name":"userTimeout","type":"seconds","default":null,"help":"TCP_USER_TIMEOUT: drop the connection when sent data stays unacknowledged this long (Linux)","extension":true},{"name":"bindToDevice","type":"text","default":null,"help":"SO_BINDTODEVICE: use only this network interface, like eth0 (Linux)","extension":true},{"name":"fastOpen","type":"flag","default":null,"help":"TCP_FASTOPEN_CONNECT: send the first data with the SYN when the server allows (Linux)","extension":true},{"name":"pin","type":"list","default":null,"help":"accept only servers with these keys (sha256/BASE64, printed by `endpoint tls pin`)","extension":true}]}"#;

#[test]
fn kinds_json_is_unchanged() -> TestResult {
    let output = endpoint().args(["kinds", "--json"]).output()?;
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout)?;
    assert!(stdout.starts_with("{\"kinds\":[{\"name\":"), "{stdout}");
    assert!(stdout.ends_with("}]}\n"), "{stdout}");
    for object in KINDS_BEFORE_AND_AFTER {
        assert!(stdout.contains(object), "{object}\nnot in\n{stdout}");
    }
    Ok(())
}

/// Every socket option shows in `describe --json` with its type, and in `kinds`.
#[test]
fn socket_options_are_typed_in_describe_and_listed_in_kinds() -> TestResult {
    let server = "tcp6:0:keepalive=60,10,5:rcvbuf=262144:sndbuf=1024:v6only=1:userTimeout=1.5\
                  :bindToDevice=lo:fastOpen=16";
    let output = endpoint().args(["describe", "--json", server]).output()?;
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout)?.trim_end(),
        r#"{"side":"server","kind":"tcp6","layers":[],"port":0,"backlog":50,"interface":"::","keepalive":[60,10,5],"rcvbuf":262144,"sndbuf":1024,"v6only":true,"userTimeout":1.5,"bindToDevice":"lo","fastOpen":16}"#
    );
    let client = "tcp:h:80:keepalive=0:userTimeout=2:fastOpen=1";
    let output = endpoint()
        .args(["describe", "--client", "--json", client])
        .output()?;
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout)?.trim_end(),
        r#"{"side":"client","kind":"tcp","layers":[],"host":"h","port":80,"timeout":30,"bindAddress":null,"keepalive":[0],"userTimeout":2,"fastOpen":true}"#
    );
    let output = endpoint().arg("kinds").output()?;
    let text = String::from_utf8(output.stdout)?;
    for (option, ty) in [
        ("keepalive", "integers"),
        ("rcvbuf", "integer"),
        ("sndbuf", "integer"),
        ("v6only", "flag"),
        ("userTimeout", "seconds"),
        ("bindToDevice", "text"),
        ("fastOpen", "integer"),
        ("fastOpen", "flag"),
        ("owner", "text"),
        ("group", "text"),
    ] {
        let listed = text
            .lines()
            .any(|l| l.split_whitespace().take(2).eq([option, ty]));
        assert!(listed, "{option} ({ty}) not in\n{text}");
    }
    Ok(())
}
