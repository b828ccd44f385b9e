using System;

namespace NATS.NKeys
{
    /// <summary>
    /// Shim of the NATS.NKeys key pair: only the members NATS.Client.Core links against. Every member
    /// throws <see cref="NotSupportedException"/>, so NKey and JWT (credentials file) authentication
    /// fail with a clear message instead of a missing-assembly error. Restore the real NATS.NKeys
    /// package for those.
    /// </summary>
    public sealed class KeyPair : IDisposable
    {
        private const string Message =
            "NKey/JWT authentication is not available: this build uses the NATS.NKeys build-environment shim " +
            "(eng/shims/NATS.NKeys). Restore the real NATS.NKeys package to use it.";

        private KeyPair()
        {
        }

        /// <summary>Would decode a seed; the shim throws.</summary>
        /// <param name="seed">The encoded seed.</param>
        /// <returns>Never returns.</returns>
        public static KeyPair FromSeed(ReadOnlySpan<char> seed) => throw new NotSupportedException(Message);

        /// <summary>Would sign a message; the shim throws.</summary>
        /// <param name="message">The message.</param>
        /// <param name="signature">The 64-byte signature buffer.</param>
        public void Sign(ReadOnlyMemory<byte> message, Memory<byte> signature) => throw new NotSupportedException(Message);

        /// <summary>Would return the encoded public key; the shim throws.</summary>
        /// <returns>Never returns.</returns>
        public string GetPublicKey() => throw new NotSupportedException(Message);

        /// <inheritdoc />
        public void Dispose()
        {
        }
    }
}
