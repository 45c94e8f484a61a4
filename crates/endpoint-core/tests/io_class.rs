//! `IoClass`: every errno of its table is in its class.

use std::io;

use endpoint_core::IoClass;

fn class(errno: i32) -> IoClass {
    IoClass::of(&io::Error::from_raw_os_error(errno))
}

#[test]
fn every_errno_of_the_table_is_in_its_class() {
    for errno in [
        libc::ECONNABORTED,
        libc::ECONNRESET,
        libc::EPROTO,
        libc::EPERM,
        libc::EINTR,
        libc::EAGAIN,
        libc::EWOULDBLOCK,
    ] {
        assert_eq!(class(errno), IoClass::PerConnection, "errno {errno}");
    }
    for errno in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
        assert_eq!(class(errno), IoClass::OutOfResources, "errno {errno}");
    }
    for errno in [
        libc::ECONNREFUSED,
        libc::ETIMEDOUT,
        libc::EHOSTUNREACH,
        libc::ENETUNREACH,
        libc::EADDRNOTAVAIL,
        libc::ENOTCONN,
    ] {
        assert_eq!(class(errno), IoClass::Transient, "errno {errno}");
    }
    for errno in [
        libc::EACCES,
        libc::EADDRINUSE,
        libc::EINVAL,
        libc::EBADF,
        libc::ENOENT,
    ] {
        assert_eq!(class(errno), IoClass::Fatal, "errno {errno}");
    }
}

#[test]
fn errors_without_an_errno_go_by_their_kind() {
    let of = |kind: io::ErrorKind| IoClass::of(&kind.into());
    assert_eq!(of(io::ErrorKind::ConnectionReset), IoClass::PerConnection);
    assert_eq!(of(io::ErrorKind::WouldBlock), IoClass::PerConnection);
    assert_eq!(of(io::ErrorKind::OutOfMemory), IoClass::OutOfResources);
    assert_eq!(of(io::ErrorKind::ConnectionRefused), IoClass::Transient);
    assert_eq!(of(io::ErrorKind::TimedOut), IoClass::Transient);
    assert_eq!(of(io::ErrorKind::PermissionDenied), IoClass::Fatal);
    assert_eq!(of(io::ErrorKind::Other), IoClass::Fatal);
    // An errno wins over the kind it maps to: EPERM's kind is PermissionDenied.
    assert_eq!(class(libc::EPERM), IoClass::PerConnection);
}
