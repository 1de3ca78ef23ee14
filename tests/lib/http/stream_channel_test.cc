#include "lib/http/stream_channel.h"

#include <thread>

#include "gtest/gtest.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using PushResult = StreamChannel::PushResult;

TEST(StreamChannelTest, FirstPushStartsWith200AndWakesOnce) {
  StreamChannel channel(100);
  bool wake = false;
  EXPECT_EQ(channel.Push("a", wake), PushResult::kAccepted);
  EXPECT_TRUE(wake);
  EXPECT_EQ(channel.Push("b", wake), PushResult::kAccepted);
  EXPECT_FALSE(wake);  // coalesced until the session takes the batch
  StreamChannel::Batch batch = channel.Take();
  ASSERT_TRUE(batch.header.has_value());
  EXPECT_EQ(batch.header->result(), http::status::ok);
  EXPECT_EQ(batch.chunks, (std::deque<std::string>{"a", "b"}));
  EXPECT_EQ(channel.Push("c", wake), PushResult::kAccepted);
  EXPECT_TRUE(wake);
}

TEST(StreamChannelTest, RefusesChunksBeyondBoundThenReportsDrained) {
  StreamChannel channel(10);
  int drained = 0;
  channel.SetOnDrained([&] { ++drained; });
  bool wake = false;
  EXPECT_EQ(channel.Push("12345678", wake), PushResult::kAccepted);
  EXPECT_EQ(channel.Push("123", wake), PushResult::kFull);
  EXPECT_EQ(channel.Push("12", wake), PushResult::kAccepted);
  EXPECT_EQ(drained, 0);
  StreamChannel::Batch batch = channel.Take();
  EXPECT_EQ(batch.chunks.size(), 2u);
  EXPECT_EQ(drained, 1);
  EXPECT_EQ(channel.Push("123", wake), PushResult::kAccepted);
  channel.Take();
  EXPECT_EQ(drained, 1);  // only after a refusal
}

TEST(StreamChannelTest, OversizedChunkIsAcceptedIntoEmptyQueue) {
  StreamChannel channel(4);
  bool wake = false;
  EXPECT_EQ(channel.Push("longer than four", wake), PushResult::kAccepted);
}

TEST(StreamChannelTest, CloseRunsClosedCallbackOnceAndRefusesWrites) {
  StreamChannel channel(10);
  int closed = 0;
  channel.SetOnClosed([&] { ++closed; });
  bool wake = false;
  channel.Push("x", wake);
  channel.Close();
  channel.Close();
  EXPECT_EQ(closed, 1);
  EXPECT_TRUE(channel.closed());
  EXPECT_EQ(channel.Push("y", wake), PushResult::kClosed);
  EXPECT_FALSE(channel.Finish(wake));
  int late = 0;
  channel.SetOnClosed([&] { ++late; });
  EXPECT_EQ(late, 1);  // registered after the fact: runs at once
}

TEST(StreamChannelTest, CompletedStreamDoesNotReportClosed) {
  StreamChannel channel(10);
  int closed = 0;
  channel.SetOnClosed([&] { ++closed; });
  bool wake = false;
  ASSERT_TRUE(channel.Finish(wake));
  StreamChannel::Batch batch = channel.Take();
  EXPECT_TRUE(batch.finish);
  ASSERT_TRUE(batch.header.has_value());
  channel.MarkComplete();
  channel.Close();
  EXPECT_EQ(closed, 0);
}

TEST(StreamChannelTest, RespondOnlyBeforeStart) {
  StreamChannel channel(10);
  bool wake = false;
  ASSERT_TRUE(channel.Start(HttpResponseHeader{}, wake));
  EXPECT_FALSE(channel.Respond(HttpResponse{}, wake));
  EXPECT_FALSE(channel.Start(HttpResponseHeader{}, wake));

  StreamChannel other(10);
  ASSERT_TRUE(other.Respond(HttpResponse{}, wake));
  EXPECT_TRUE(wake);
  EXPECT_EQ(other.Push("x", wake), PushResult::kClosed);
  EXPECT_TRUE(other.Take().response.has_value());
}

TEST(StreamChannelTest, AbandonIsReportedToSessionNotToProducer) {
  StreamChannel channel(10);
  int closed = 0;
  channel.SetOnClosed([&] { ++closed; });
  bool wake = false;
  channel.Abandon(wake);
  EXPECT_TRUE(wake);
  EXPECT_TRUE(channel.Take().abandoned);
  channel.Close();
  EXPECT_EQ(closed, 0);
}

TEST(StreamChannelTest, WaitWritableReturnsFalseWhenClosed) {
  StreamChannel channel(4);
  bool wake = false;
  ASSERT_EQ(channel.Push("full", wake), PushResult::kAccepted);
  bool writable = true;
  std::thread waiter([&] { writable = channel.WaitWritable(4); });
  channel.Close();
  waiter.join();
  EXPECT_FALSE(writable);
}

TEST(StreamChannelTest, WaitWritableReturnsTrueOnceTaken) {
  StreamChannel channel(4);
  bool wake = false;
  ASSERT_EQ(channel.Push("full", wake), PushResult::kAccepted);
  bool writable = false;
  std::thread waiter([&] { writable = channel.WaitWritable(4); });
  channel.Take();
  waiter.join();
  EXPECT_TRUE(writable);
}

}  // namespace
}  // namespace sandboxd
