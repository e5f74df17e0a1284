using Cadence.Telemetry;

namespace Cadence.Tests.Telemetry;

public class AddressClassifierTests
{
    [Theory]
    [InlineData("8.8.8.8", AddressClass.Public)]
    [InlineData("185.220.101.47", AddressClass.Public)]
    [InlineData("10.136.0.16", AddressClass.Private)]
    [InlineData("172.16.0.1", AddressClass.Private)]
    [InlineData("172.31.255.255", AddressClass.Private)]
    [InlineData("172.32.0.1", AddressClass.Public)]
    [InlineData("192.168.1.23", AddressClass.Private)]
    [InlineData("127.0.0.1", AddressClass.Loopback)]
    [InlineData("169.254.169.254", AddressClass.LinkLocal)]
    [InlineData("100.64.0.1", AddressClass.CarrierGradeNat)]
    [InlineData("100.127.255.254", AddressClass.CarrierGradeNat)]
    [InlineData("100.128.0.1", AddressClass.Public)]
    [InlineData("224.0.0.251", AddressClass.Multicast)]
    [InlineData("255.255.255.255", AddressClass.Broadcast)]
    [InlineData("192.0.2.80", AddressClass.Documentation)]
    [InlineData("198.51.100.10", AddressClass.Documentation)]
    [InlineData("203.0.113.5", AddressClass.Documentation)]
    [InlineData("0.0.0.0", AddressClass.Reserved)]
    [InlineData("240.0.0.1", AddressClass.Reserved)]
    [InlineData("::ffff:172.64.149.247", AddressClass.Public)]
    [InlineData("::ffff:10.0.0.1", AddressClass.Private)]
    [InlineData("::1", AddressClass.Loopback)]
    [InlineData("fe80::7809:d6ff:fee3:ff67", AddressClass.LinkLocal)]
    [InlineData("ff02::2", AddressClass.Multicast)]
    [InlineData("fd00::1", AddressClass.Private)]
    [InlineData("fc00::1", AddressClass.Private)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass.Teredo)]
    [InlineData("2002:c000:0204::1", AddressClass.FourToSixMapping)]
    [InlineData("2001:db8::1", AddressClass.Documentation)]
    [InlineData("2606:4700:4700::1111", AddressClass.Public)]
    [InlineData("not-an-ip", AddressClass.Unknown)]
    [InlineData("", AddressClass.Unknown)]
    public void ClassifiesAddresses(string address, AddressClass expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(address));
}
